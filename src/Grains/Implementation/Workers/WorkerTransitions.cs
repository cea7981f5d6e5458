namespace Amber.Grains.Workers;

/// <summary>Liveness of a worker.</summary>
public enum WorkerStatus
{
    /// <summary>Heartbeats arrive.</summary>
    Alive,
    /// <summary>Missed its heartbeat deadline; its leases lapse on their own.</summary>
    Lost,
    /// <summary>Deregistered.</summary>
    Left,
}

/// <summary>A worker: capacity in run slots and cores, and its heartbeat.</summary>
public sealed record WorkerState(
    string WorkerId,
    string Name,
    int Slots,
    int Cores,
    long MemoryMb,
    int Gpus,
    WorkerStatus Status,
    int ActiveRuns,
    DateTimeOffset LastHeartbeat,
    long Version)
{
    /// <summary>Slots not taken by a lease.</summary>
    public int FreeSlots => Math.Max(0, Slots - ActiveRuns);
}

/// <summary>A command to a worker grain.</summary>
public abstract record WorkerCommand;

/// <summary>A heartbeat at <paramref name="Now"/>.</summary>
public sealed record Heartbeat(DateTimeOffset Now) : WorkerCommand;

/// <summary>The worker takes one more run slot (a lease or a gang rank).</summary>
public sealed record TakeSlot(string RunId) : WorkerCommand;

/// <summary>A run released the worker's slot.</summary>
public sealed record ReleaseSlot(string RunId) : WorkerCommand;

/// <summary>The scheduler's check: silent since before <paramref name="Deadline"/> means lost.</summary>
public sealed record CheckLiveness(DateTimeOffset Deadline) : WorkerCommand;

/// <summary>The worker leaves.</summary>
public sealed record Deregister : WorkerCommand;

/// <summary>The worker was declared lost.</summary>
public sealed record WorkerLost(string WorkerId, DateTimeOffset LastHeartbeat) : GrainEvent;

/// <summary>Every transition of a worker.</summary>
public static class WorkerTransitions
{
    /// <summary>Applies <paramref name="command"/> to <paramref name="state"/>.</summary>
    public static Decision<WorkerState> Decide(WorkerState state, WorkerCommand command) => command switch
    {
        Heartbeat c when state.Status == WorkerStatus.Left => Decisions.Reject(state, $"worker {state.WorkerId} has deregistered; register again"),
        Heartbeat c => Decisions.Accept(state with { Status = WorkerStatus.Alive, LastHeartbeat = c.Now > state.LastHeartbeat ? c.Now : state.LastHeartbeat }),
        TakeSlot c when state.Status != WorkerStatus.Alive => Decisions.Reject(state, $"worker {state.WorkerId} is {state.Status.ToString().ToLowerInvariant()}; it cannot take run {c.RunId}"),
        TakeSlot c when state.FreeSlots == 0 => Decisions.Reject(state, $"worker {state.WorkerId} has no free slot ({state.ActiveRuns}/{state.Slots} busy)"),
        TakeSlot => Decisions.Accept(state with { ActiveRuns = state.ActiveRuns + 1 }),
        ReleaseSlot c when state.ActiveRuns == 0 => Decisions.Same(state, $"worker {state.WorkerId} holds no slot for run {c.RunId}"),
        ReleaseSlot => Decisions.Accept(state with { ActiveRuns = state.ActiveRuns - 1 }),
        CheckLiveness c when state.Status == WorkerStatus.Alive && state.LastHeartbeat < c.Deadline =>
            Decisions.Accept(state with { Status = WorkerStatus.Lost }, new WorkerLost(state.WorkerId, state.LastHeartbeat)),
        CheckLiveness => Decisions.Same(state, "alive or already lost"),
        Deregister when state.Status == WorkerStatus.Left => Decisions.Same(state, "already left"),
        Deregister => Decisions.Accept(state with { Status = WorkerStatus.Left }),
        _ => throw new ArgumentException($"unknown worker command {command.GetType().Name}", nameof(command)),
    };
}
