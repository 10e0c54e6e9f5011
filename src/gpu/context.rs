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

    /// From now on, GPU errors and device loss are recorded (the first message) instead of
    /// panicking; a long-running worker checks the slot after each submission.
    pub fn watch_errors(&self) -> std::sync::Arc<std::sync::Mutex<Option<String>>> {
        let slot = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
        let errors = slot.clone();
        self.device
            .on_uncaptured_error(std::sync::Arc::new(move |e: wgpu::Error| {
                if let Ok(mut s) = errors.lock() {
                    s.get_or_insert_with(|| format!("GPU error: {e}"));
                }
            }));
        let lost = slot.clone();
        self.device
            .set_device_lost_callback(move |reason, message| {
                if let Ok(mut s) = lost.lock() {
                    s.get_or_insert_with(|| {
                        format!("the GPU device was lost ({reason:?}): {message}")
                    });
                }
            });
        slot
    }

    /// "name (backend, device type)".
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {:?})",
            self.info.name, self.info.backend, self.info.device_type
        )
    }
}
