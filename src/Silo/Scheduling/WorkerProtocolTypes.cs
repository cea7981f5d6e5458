using Amber.Grains.Runs;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;

namespace Amber.Silo.Scheduling;

/// <summary>The answer to a registration: the worker's id, its own token (shown once) and the timing to follow.</summary>
public sealed record WorkerRegistration(string WorkerId, string Token, double LeaseSeconds, double HeartbeatSeconds);

/// <summary>A lease handed to a worker. When <see cref="Status"/> is gathering, the worker renews until the gang is complete.</summary>
/// <param name="Assignment">The attempt to execute (its gang peers are final once running).</param>
/// <param name="Status">Running, or gathering for an incomplete gang.</param>
/// <param name="LeaseSeconds">Lease duration; renew well before it lapses.</param>
public sealed record LeaseOffer(RunAssignment Assignment, RunStatus Status, double LeaseSeconds);
