using System.Collections.Immutable;

namespace Amber.Grains;

/// <summary>How a grain answered a command.</summary>
public enum Verdict
{
    /// <summary>The state changed; persist <see cref="Decision{TState}.State"/> and publish the events.</summary>
    Accepted,
    /// <summary>Nothing to do (e.g. the same completion delivered twice); the caller answers success without writing.</summary>
    NoChange,
    /// <summary>The command is illegal in this state (stale attempt, finished run, budget); nothing changes.</summary>
    Rejected,
}

/// <summary>The outcome of <c>(state, command) → (new state, events)</c>.</summary>
/// <param name="Verdict">Accepted, no change or rejected.</param>
/// <param name="State">The new state (the old one unless accepted).</param>
/// <param name="Events">What happened, for the silo to route to other grains and to observers.</param>
/// <param name="Reason">Why it was rejected or why nothing changed.</param>
public sealed record Decision<TState>(Verdict Verdict, TState State, ImmutableArray<GrainEvent> Events, string? Reason);

/// <summary>Something that happened to a grain.</summary>
public abstract record GrainEvent;

/// <summary>Factories of <see cref="Decision{TState}"/>.</summary>
public static class Decisions
{
    /// <summary>A change with its events.</summary>
    public static Decision<TState> Accept<TState>(TState state, params GrainEvent[] events) => new Decision<TState>(Verdict.Accepted, state, [.. events], null);

    /// <summary>Nothing to do.</summary>
    public static Decision<TState> Same<TState>(TState state, string reason) => new Decision<TState>(Verdict.NoChange, state, [], reason);

    /// <summary>Illegal here.</summary>
    public static Decision<TState> Reject<TState>(TState state, string reason) => new Decision<TState>(Verdict.Rejected, state, [], reason);
}
