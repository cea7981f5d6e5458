// Test classes run one after another: the memory test measures process-wide allocation, and the machine has two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
