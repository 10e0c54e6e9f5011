//! The wgpu device: adapter selection is the one place a missing GPU shows up.

/// An opened adapter, device and queue (cheap to clone: handles).
#[derive(Clone, Debug)]
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
}

impl Gpu {
    /// Opens the default adapter (`WGPU_BACKEND` and friends select another). The error says
    /// why none could be had.
    pub fn new() -> Result<Gpu, String> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter =
            pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
                .map_err(|e| {
                format!("no GPU adapter: {e} (install a Vulkan driver, e.g. mesa-vulkan-drivers)")
            })?;
        let info = adapter.get_info();
        let (device, queue) =
            pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default()))
                .map_err(|e| format!("cannot open the GPU device on {}: {e}", info.name))?;
        Ok(Gpu {
            device,
            queue,
            info,
        })
    }

    /// "name (backend, device type)".
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {:?})",
            self.info.name, self.info.backend, self.info.device_type
        )
    }
}
