//! Compute pipelines and recorded dispatches. A [`Dispatch`] owns its uniform parameters and
//! its bind group, so a model records its whole step once and replays it.

use super::buffers::View;
use super::context::Gpu;
use wgpu::util::DeviceExt;

/// One entry point of one shader.
#[derive(Clone, Debug)]
pub struct Kernel {
    pipeline: wgpu::ComputePipeline,
    pub name: &'static str,
}

impl Kernel {
    pub fn new(gpu: &Gpu, module: &wgpu::ShaderModule, name: &'static str, entry: &str) -> Kernel {
        let pipeline = gpu
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(name),
                layout: None,
                module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                cache: None,
            });
        Kernel { pipeline, name }
    }

    /// A dispatch of this kernel with `params` at binding 0 and `bindings` (binding number,
    /// view) — exactly the bindings the entry point uses.
    pub fn dispatch<P: bytemuck::Pod>(
        &self,
        gpu: &Gpu,
        params: &P,
        bindings: &[(u32, &View)],
        groups: [u32; 3],
    ) -> Dispatch {
        let uniform = gpu
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(self.name),
                contents: bytemuck::bytes_of(params),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            });
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: uniform.as_entire_binding(),
        }];
        entries.extend(bindings.iter().map(|(b, v)| wgpu::BindGroupEntry {
            binding: *b,
            resource: v.binding(),
        }));
        let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(self.name),
            layout: &self.pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        Dispatch {
            pipeline: self.pipeline.clone(),
            bind,
            uniform,
            groups,
            name: self.name,
        }
    }
}

/// A recorded kernel launch.
#[derive(Clone, Debug)]
pub struct Dispatch {
    pipeline: wgpu::ComputePipeline,
    bind: wgpu::BindGroup,
    uniform: wgpu::Buffer,
    groups: [u32; 3],
    pub name: &'static str,
}

impl Dispatch {
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind, &[]);
        pass.dispatch_workgroups(self.groups[0], self.groups[1], self.groups[2]);
    }

    /// New uniform parameters (same type as at creation), applied before the next submission.
    pub fn set_params<P: bytemuck::Pod>(&self, gpu: &Gpu, params: &P) {
        gpu.queue
            .write_buffer(&self.uniform, 0, bytemuck::bytes_of(params));
    }
}

/// Records dispatches into one compute pass and submits them.
pub fn submit(gpu: &Gpu, dispatches: &[&Dispatch]) -> wgpu::SubmissionIndex {
    let mut encoder = gpu
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        for d in dispatches {
            d.record(&mut pass);
        }
    }
    gpu.queue.submit([encoder.finish()])
}

/// Waits until the submission `index` has finished.
pub fn wait_for(gpu: &Gpu, index: wgpu::SubmissionIndex) -> Result<(), String> {
    gpu.device
        .poll(wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: None,
        })
        .map(|_| ())
        .map_err(|e| format!("the GPU stopped responding: {e}"))
}

/// Workgroups for `n` threads of 256, as (x, y) under the 65,535-per-dimension limit; shaders
/// index `x + y * 256 * num_workgroups.x`.
pub fn groups_1d(n: usize) -> [u32; 3] {
    let total = n.div_ceil(256).max(1);
    if total <= 65_535 {
        [total as u32, 1, 1]
    } else {
        let y = total.div_ceil(65_535);
        [total.div_ceil(y) as u32, y as u32, 1]
    }
}

/// One shader module per file in `shaders/`.
pub fn module(gpu: &Gpu, name: &str, source: &str) -> wgpu::ShaderModule {
    gpu.device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(name),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        })
}
