//! Counter-based Gaussian noise on the GPU (`shaders/rng.wgsl`) and its CPU twin. The math is in
//! the shader's header: PCG output hashes of `(seed, index)`, then Box-Muller.

use super::context::Gpu;
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

pub const SHADER: &str = include_str!("../../shaders/rng.wgsl");

/// The shader's `Params` uniform.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct RngParams {
    pub seed: u32,
    pub n: u32,
    pub _pad: [u32; 2],
}

const _: () = assert!(std::mem::size_of::<RngParams>() == 16);

/// The PCG output hash (twin of `pcg_hash`).
pub fn pcg_hash(v: u32) -> u32 {
    let state = v.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277_803_737);
    (word >> 22) ^ word
}

/// A uniform in (0, 1) from the top 24 bits of a hash.
pub fn uniform01(h: u32) -> f32 {
    ((h >> 8) as f32 + 0.5) / 16_777_216.0
}

/// The CPU twin: `2n` standard normals for `seed`.
pub fn gaussian_cpu(seed: u32, n: u32) -> Vec<f32> {
    (0..n)
        .flat_map(|i| {
            let u1 = uniform01(pcg_hash(seed ^ pcg_hash(2 * i)));
            let u2 = uniform01(pcg_hash(seed ^ pcg_hash(2 * i + 1)));
            let r = (-2.0 * u1.ln()).sqrt();
            let a = std::f32::consts::TAU * u2;
            [r * a.cos(), r * a.sin()]
        })
        .collect()
}

/// `2n` standard normals for `seed`, computed on the GPU.
pub fn gaussian_gpu(gpu: &Gpu, seed: u32, n: u32) -> Result<Vec<f32>, String> {
    let device = &gpu.device;
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("rng"),
        source: wgpu::ShaderSource::Wgsl(SHADER.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("gaussian"),
        layout: None,
        module: &module,
        entry_point: Some("gaussian"),
        compilation_options: wgpu::PipelineCompilationOptions::default(),
        cache: None,
    });
    let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("rng params"),
        contents: bytemuck::bytes_of(&RngParams {
            seed,
            n,
            _pad: [0; 2],
        }),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let size = 2 * n as u64 * 4;
    let out = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("rng out"),
        size,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let read = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("rng read"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("rng bind"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: params.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: out.as_entire_binding(),
            },
        ],
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bind, &[]);
        pass.dispatch_workgroups(n.div_ceil(64), 1, 1);
    }
    encoder.copy_buffer_to_buffer(&out, 0, &read, 0, size);
    gpu.queue.submit([encoder.finish()]);
    let slice = read.slice(..);
    slice.map_async(wgpu::MapMode::Read, |_| {});
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| format!("GPU poll failed: {e}"))?;
    let data = slice
        .get_mapped_range()
        .map_err(|e| format!("cannot read the GPU buffer: {e}"))?;
    Ok(bytemuck::cast_slice(&data).to_vec())
}
