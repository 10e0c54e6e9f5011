//! One file per shader family: the `#[repr(C)]` twin of its uniform parameters, its CPU twin
//! (the reference the GPU kernel is tested against) and its dispatch helpers. [`Kernels`] holds
//! every compiled entry point.

pub mod adam;
pub mod bias_act;
pub mod conv3x3;
pub mod conv3x3_blocked;
pub mod dsm;
pub mod elementwise;
pub mod embed;
pub mod group_norm;
pub mod langevin;
pub mod matmul;
pub mod matmul_blocked;
pub mod resample;

use super::context::Gpu;
use super::kernel::{Kernel, module};

/// Two families of kernels where the best shape differs by adapter.
///
/// A hardware GPU runs a workgroup's invocations in parallel with fast on-chip workgroup
/// memory: products tile through it and reductions use a tree with barriers. A CPU adapter
/// (lavapipe) runs the invocations as SIMD lanes in a loop, emulates workgroup memory and
/// barriers, and pays for every buffer load with a loop over the lanes: there, each invocation
/// does as much as it can from registers (register-blocked products, one invocation per
/// channel for sums).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Workgroup,
    Registers,
}

impl Family {
    /// `Registers` on a CPU adapter, `Workgroup` otherwise; `SCOREFIELD_KERNELS=workgroup|
    /// registers` overrides (to compare the two on one adapter).
    pub fn for_adapter(device_type: wgpu::DeviceType) -> Family {
        match std::env::var("SCOREFIELD_KERNELS").as_deref() {
            Ok("workgroup") => Family::Workgroup,
            Ok("registers") => Family::Registers,
            _ if device_type == wgpu::DeviceType::Cpu => Family::Registers,
            _ => Family::Workgroup,
        }
    }
}

/// Every compute pipeline the image trainer uses.
pub struct Kernels {
    /// Which of the two families the dispatch helpers pick ([`Family`]).
    pub family: Family,
    pub matmul: matmul::MatmulKernels,
    pub add_bias: Kernel,
    pub bias_silu: Kernel,
    pub silu: Kernel,
    pub silu_backward: Kernel,
    pub channel_sum: Kernel,
    pub channel_sum_lanes: Kernel,
    pub conv: conv3x3::ConvKernels,
    pub gn_forward: Kernel,
    pub gn_backward: Kernel,
    pub gn_stats_lanes: Kernel,
    pub gn_apply_lanes: Kernel,
    pub gn_backward_sums_lanes: Kernel,
    pub gn_backward_apply_lanes: Kernel,
    pub pool_forward: Kernel,
    pub pool_backward: Kernel,
    pub up_forward: Kernel,
    pub up_backward: Kernel,
    pub add: Kernel,
    pub copy: Kernel,
    pub div_rows: Kernel,
    pub lerp: Kernel,
    pub precondition: Kernel,
    pub skip_forward: Kernel,
    pub skip_backward: Kernel,
    pub embed: Kernel,
    pub dsm_draw: Kernel,
    pub dsm_loss: Kernel,
    pub adam: Kernel,
    pub langevin_start: Kernel,
    pub langevin_step: Kernel,
    pub langevin_denoise: Kernel,
    pub fill_sigma: Kernel,
}

pub const MATMUL: &str = include_str!("../../../shaders/matmul.wgsl");
pub const BIAS_ACT: &str = include_str!("../../../shaders/bias_act.wgsl");
pub const CONV3X3: &str = include_str!("../../../shaders/conv3x3.wgsl");
pub const GROUP_NORM: &str = include_str!("../../../shaders/group_norm.wgsl");
pub const RESAMPLE: &str = include_str!("../../../shaders/resample.wgsl");
pub const ELEMENTWISE: &str = include_str!("../../../shaders/elementwise.wgsl");
pub const EMBED: &str = include_str!("../../../shaders/embed.wgsl");
pub const DSM: &str = include_str!("../../../shaders/dsm.wgsl");
pub const ADAM: &str = include_str!("../../../shaders/adam.wgsl");
pub const LANGEVIN: &str = include_str!("../../../shaders/langevin.wgsl");

impl Kernels {
    /// Compiles every shader; wgpu reports shader errors through the device's error handler.
    pub fn new(gpu: &Gpu) -> Kernels {
        let ba = module(gpu, "bias_act", BIAS_ACT);
        let gn = module(gpu, "group_norm", GROUP_NORM);
        let rs = module(gpu, "resample", RESAMPLE);
        let ew = module(gpu, "elementwise", ELEMENTWISE);
        let em = module(gpu, "embed", EMBED);
        let ds = module(gpu, "dsm", DSM);
        let ad = module(gpu, "adam", ADAM);
        let lg = module(gpu, "langevin", LANGEVIN);
        Kernels {
            family: Family::for_adapter(gpu.info.device_type),
            matmul: matmul::MatmulKernels::new(gpu),
            add_bias: Kernel::new(gpu, &ba, "add_bias", "add_bias"),
            bias_silu: Kernel::new(gpu, &ba, "bias_silu", "bias_silu"),
            silu: Kernel::new(gpu, &ba, "silu", "silu"),
            silu_backward: Kernel::new(gpu, &ba, "silu_backward", "silu_backward"),
            channel_sum: Kernel::new(gpu, &ba, "channel_sum", "channel_sum"),
            channel_sum_lanes: Kernel::new(gpu, &ba, "channel_sum_lanes", "channel_sum_lanes"),
            conv: conv3x3::ConvKernels::new(gpu),
            gn_forward: Kernel::new(gpu, &gn, "group_norm forward", "forward"),
            gn_backward: Kernel::new(gpu, &gn, "group_norm backward", "backward"),
            gn_stats_lanes: Kernel::new(gpu, &gn, "group_norm stats_lanes", "stats_lanes"),
            gn_apply_lanes: Kernel::new(gpu, &gn, "group_norm apply_lanes", "apply_lanes"),
            gn_backward_sums_lanes: Kernel::new(
                gpu,
                &gn,
                "group_norm backward_sums_lanes",
                "backward_sums_lanes",
            ),
            gn_backward_apply_lanes: Kernel::new(
                gpu,
                &gn,
                "group_norm backward_apply_lanes",
                "backward_apply_lanes",
            ),
            pool_forward: Kernel::new(gpu, &rs, "pool_forward", "pool_forward"),
            pool_backward: Kernel::new(gpu, &rs, "pool_backward", "pool_backward"),
            up_forward: Kernel::new(gpu, &rs, "up_forward", "up_forward"),
            up_backward: Kernel::new(gpu, &rs, "up_backward", "up_backward"),
            add: Kernel::new(gpu, &ew, "add", "add"),
            copy: Kernel::new(gpu, &ew, "copy", "copy"),
            div_rows: Kernel::new(gpu, &ew, "div_rows", "div_rows"),
            lerp: Kernel::new(gpu, &ew, "lerp", "lerp"),
            precondition: Kernel::new(gpu, &ew, "precondition", "precondition"),
            skip_forward: Kernel::new(gpu, &ew, "skip_forward", "skip_forward"),
            skip_backward: Kernel::new(gpu, &ew, "skip_backward", "skip_backward"),
            embed: Kernel::new(gpu, &em, "embed", "features"),
            dsm_draw: Kernel::new(gpu, &ds, "dsm draw", "draw"),
            dsm_loss: Kernel::new(gpu, &ds, "dsm loss", "loss"),
            adam: Kernel::new(gpu, &ad, "adam", "step"),
            langevin_start: Kernel::new(gpu, &lg, "langevin start", "start"),
            langevin_step: Kernel::new(gpu, &lg, "langevin step", "step"),
            langevin_denoise: Kernel::new(gpu, &lg, "langevin denoise", "denoise"),
            fill_sigma: Kernel::new(gpu, &lg, "fill_sigma", "fill_sigma"),
        }
    }
}
