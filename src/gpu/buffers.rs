//! Storage buffers, views into them, upload and read-back.

use super::context::Gpu;
use wgpu::util::DeviceExt;

/// A range of `len` 4-byte elements (f32 or u32) at `offset_bytes` in a storage buffer. Offsets are
/// multiples of 256 bytes (the storage-offset alignment every adapter accepts).
#[derive(Clone, Debug)]
pub struct View {
    pub buffer: wgpu::Buffer,
    pub offset_bytes: u64,
    pub len: u64,
}

/// Elements per 256-byte alignment unit.
pub const ALIGN_ELEMENTS: usize = 64;

impl View {
    pub fn binding(&self) -> wgpu::BindingResource<'_> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &self.buffer,
            offset: self.offset_bytes,
            size: wgpu::BufferSize::new(self.len.max(1) * 4),
        })
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

const STORAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

impl Gpu {
    /// A zeroed storage buffer of `len` elements (at least one).
    pub fn zeros(&self, label: &str, len: usize) -> View {
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (len.max(1) * 4) as u64,
            usage: STORAGE,
            mapped_at_creation: false,
        });
        View {
            buffer,
            offset_bytes: 0,
            len: len as u64,
        }
    }

    /// A storage buffer holding `data` (f32 or u32).
    pub fn upload<T: bytemuck::Pod>(&self, label: &str, data: &[T]) -> View {
        assert_eq!(std::mem::size_of::<T>(), 4, "4-byte elements only");
        let bytes: &[u8] = if data.is_empty() {
            &[0; 4]
        } else {
            bytemuck::cast_slice(data)
        };
        let buffer = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytes,
                usage: STORAGE,
            });
        View {
            buffer,
            offset_bytes: 0,
            len: data.len() as u64,
        }
    }

    /// Overwrites a view's contents (queued before the next submission).
    pub fn write<T: bytemuck::Pod>(&self, view: &View, data: &[T]) {
        assert_eq!(data.len() as u64, view.len, "write of the wrong length");
        if !data.is_empty() {
            self.queue
                .write_buffer(&view.buffer, view.offset_bytes, bytemuck::cast_slice(data));
        }
    }

    /// Reads views back (one copy and one wait for all of them).
    pub fn read_many<T: bytemuck::Pod>(&self, views: &[&View]) -> Result<Vec<Vec<T>>, String> {
        let total: u64 = views.iter().map(|v| v.len.max(1) * 4).sum();
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read-back"),
            size: total,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        let mut at = 0;
        for v in views {
            let size = v.len.max(1) * 4;
            encoder.copy_buffer_to_buffer(&v.buffer, v.offset_bytes, &staging, at, size);
            at += size;
        }
        self.queue.submit([encoder.finish()]);
        let slice = staging.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| format!("GPU poll failed: {e}"))?;
        rx.recv()
            .map_err(|_| "the GPU read-back was dropped".to_string())?
            .map_err(|e| format!("cannot map the read-back buffer: {e}"))?;
        let data = slice
            .get_mapped_range()
            .map_err(|e| format!("cannot read the GPU buffer: {e}"))?;
        let all: &[T] = bytemuck::cast_slice(&data);
        let mut out = Vec::with_capacity(views.len());
        let mut at = 0;
        for v in views {
            out.push(all[at..at + v.len as usize].to_vec());
            at += v.len.max(1) as usize;
        }
        Ok(out)
    }

    pub fn read<T: bytemuck::Pod>(&self, view: &View) -> Result<Vec<T>, String> {
        Ok(self.read_many(&[view])?.remove(0))
    }

    /// Waits for all submitted work.
    pub fn finish(&self) -> Result<(), String> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| format!("GPU poll failed: {e}"))
    }
}
