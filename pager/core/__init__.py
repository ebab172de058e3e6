"""The pure core: values, the scheduler and the controller. No threads, no I/O, explicit time."""
