using Amber.Grains.Runs;
using Amber.Silo.Execution;

namespace Amber.Silo.Scheduling;

/// <summary>What a worker declares when it registers.</summary>
/// <param name="Name">A human-readable name (host name, pod name).</param>
/// <param name="Slots">Runs it executes at once.</param>
/// <param name="Cores">CPU cores.</param>
/// <param name="MemoryMb">Memory in MiB.</param>
/// <param name="Gpus">GPUs.</param>
public sealed record WorkerCapabilities(string Name, int Slots = 1, int Cores = 1, long MemoryMb = 1024, int Gpus = 0);

/// <summary>The answer to a registration: the worker's id, its own token (shown once) and the timing to follow.</summary>
public sealed record WorkerRegistration(string WorkerId, string Token, double LeaseSeconds, double HeartbeatSeconds);

/// <summary>A lease handed to a worker. When <see cref="Status"/> is gathering, the worker renews until the gang is complete.</summary>
/// <param name="Assignment">The attempt to execute (its gang peers are final once running).</param>
/// <param name="Status">Running, or gathering for an incomplete gang.</param>
/// <param name="LeaseSeconds">Lease duration; renew well before it lapses.</param>
public sealed record LeaseOffer(RunAssignment Assignment, RunStatus Status, double LeaseSeconds);

/// <summary>The silo's answer to renew/progress/complete/fail.</summary>
/// <param name="Accepted">False when the attempt is no longer current (the worker must stop and drop its work).</param>
/// <param name="Status">The run's status now.</param>
/// <param name="Attempt">The run's current attempt.</param>
/// <param name="Peers">Gang members by rank (final once running).</param>
/// <param name="Reason">Why it was refused, or why nothing changed.</param>
public sealed record RunAck(bool Accepted, RunStatus Status, int Attempt, IReadOnlyList<string> Peers, string? Reason);
