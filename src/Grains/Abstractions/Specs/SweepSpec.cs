using System.Collections.Immutable;
using Amber.Grains.Parameters;

namespace Amber.Grains.Specs;

/// <summary>
/// A validated sweep: what to train (corpus, features, labels), how to evaluate (folds × seeds), what to try (search space,
/// sampler, objective, pruners, budget) and how to run it (gang size, retries). Produced only by <see cref="SweepSpecParser"/>, so every
/// instance has passed validation.
/// </summary>
public sealed record SweepSpec(
    string Name,
    string Corpus,
    string Features,
    ImmutableSortedDictionary<string, string> Labels,
    ProtocolSpec Protocol,
    ImmutableArray<SearchDimension> Space,
    SamplerSpec Sampler,
    BudgetSpec Budget,
    int GangSize,
    int Retries)
{
    /// <summary>What the sweep optimises (default: validation js, level all, minimised).</summary>
    public ObjectiveSpec Objective { get; init; } = ObjectiveSpec.Default;

    /// <summary>The epoch pruner (default none).</summary>
    public PrunerSpec Pruner { get; init; } = PrunerSpec.None;

    /// <summary>Pruning across folds (default off).</summary>
    public FoldPruningSpec FoldPruning { get; init; } = FoldPruningSpec.Off;

    /// <summary>Runs per trial: folds × seeds.</summary>
    public int RunsPerTrial => Protocol.Folds.Length * Protocol.Seeds.Length;
}

/// <summary>Cross-validation protocol.</summary>
/// <param name="Folds">The 1-based folds to run (all of 1..FoldCount by default).</param>
/// <param name="FoldCount">Number of folds of the scheme (5 for IEMOCAP leave-one-session-out).</param>
/// <param name="Seeds">Seeds; each fold runs once per seed.</param>
/// <param name="Validation">"random" (20 % of training utterances) or "speaker" (speaker-disjoint).</param>
public sealed record ProtocolSpec(ImmutableArray<int> Folds, int FoldCount, ImmutableArray<int> Seeds, string Validation);

/// <summary>Which sampler proposes trials.</summary>
/// <param name="Kind">"grid", "random" or "tpe" (tree-structured Parzen estimator, learns from finished trials).</param>
/// <param name="Seed">Seed of the random and TPE samplers (ignored by grid).</param>
public sealed record SamplerSpec(string Kind, int Seed);

/// <summary>Budget of a sweep.</summary>
/// <param name="MaxTrials">At most this many trials (grid: the first ones in grid order).</param>
/// <param name="MaxParallelRuns">At most this many runs of the sweep leased at once.</param>
public sealed record BudgetSpec(int MaxTrials, int MaxParallelRuns);

/// <summary>One dimension of the search space.</summary>
public abstract record SearchDimension(string Name)
{
    /// <summary>True when the dimension has finitely many values (grid sampling can enumerate it).</summary>
    public abstract bool IsDiscrete { get; }

    /// <summary>The values a grid enumerates, in order (only for discrete dimensions).</summary>
    public abstract ImmutableArray<ParameterValue> GridValues { get; }
}

/// <summary>A value every trial gets.</summary>
public sealed record FixedDimension(string Name, ParameterValue Value) : SearchDimension(Name)
{
    /// <inheritdoc />
    public override bool IsDiscrete => true;

    /// <inheritdoc />
    public override ImmutableArray<ParameterValue> GridValues => [Value];
}

/// <summary>One of a list of values (strings, numbers or booleans).</summary>
public sealed record ChoiceDimension(string Name, ImmutableArray<ParameterValue> Values) : SearchDimension(Name)
{
    /// <inheritdoc />
    public override bool IsDiscrete => true;

    /// <inheritdoc />
    public override ImmutableArray<ParameterValue> GridValues => Values;
}

/// <summary>A real number uniform on [Low, High), or log-uniform when <paramref name="Log"/> is set.</summary>
public sealed record UniformDimension(string Name, double Low, double High, bool Log) : SearchDimension(Name)
{
    /// <inheritdoc />
    public override bool IsDiscrete => false;

    /// <inheritdoc />
    public override ImmutableArray<ParameterValue> GridValues =>
        throw new InvalidOperationException($"dimension '{Name}' is continuous; a grid cannot enumerate it");
}

/// <summary>An integer in [Low, High] (inclusive) on a step.</summary>
public sealed record IntDimension(string Name, long Low, long High, long Step) : SearchDimension(Name)
{
    /// <inheritdoc />
    public override bool IsDiscrete => true;

    /// <inheritdoc />
    public override ImmutableArray<ParameterValue> GridValues
    {
        get
        {
            var b = ImmutableArray.CreateBuilder<ParameterValue>();
            for (long v = Low; v <= High; v += Step) b.Add(ParameterValue.Of(v));
            return b.ToImmutable();
        }
    }
}
