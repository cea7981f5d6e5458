using System.Collections.Frozen;
using Amber.Grains.Parameters;

namespace Amber.Grains.Specs;

/// <summary>
/// The hyperparameters a sweep may set (SPEC-AMBER.md), with their kinds and ranges, so that a typo ("lrr") or a
/// wrong type ("batch_size: 0.5") is refused at submission rather than discovered by a failing run an hour later.
/// </summary>
public static class HyperparameterCatalog
{
    /// <summary>The training methods.</summary>
    public static readonly FrozenSet<string> Methods =
        new[] { "amber2", "amber2_uniform", "ce", "soft", "js_entropy", "late_fusion" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>What one hyperparameter accepts.</summary>
    /// <param name="Kind">Its kind (an int also satisfies a float).</param>
    /// <param name="Min">Smallest allowed number (inclusive) or null.</param>
    /// <param name="Max">Largest allowed number (inclusive) or null.</param>
    /// <param name="MinExclusive">True when <paramref name="Min"/> itself is not allowed.</param>
    /// <param name="Allowed">Allowed strings for string parameters.</param>
    public sealed record Entry(ParameterKind Kind, double? Min = null, double? Max = null, bool MinExclusive = false, IReadOnlySet<string>? Allowed = null);

    /// <summary>Name → what it accepts.</summary>
    public static readonly FrozenDictionary<string, Entry> Entries = new Dictionary<string, Entry>
    {
        [TrialParameters.MethodKey] = new(ParameterKind.String, Allowed: Methods),
        ["lr"] = new(ParameterKind.Float, 0, 10, MinExclusive: true),
        ["weight_decay"] = new(ParameterKind.Float, 0, 10),
        ["adam_beta1"] = new(ParameterKind.Float, 0, 1),
        ["adam_beta2"] = new(ParameterKind.Float, 0, 1),
        ["batch_size"] = new(ParameterKind.Int, 1, 1 << 20),
        ["max_epochs"] = new(ParameterKind.Int, 1, 100_000),
        ["patience"] = new(ParameterKind.Int, 0, 100_000),
        ["warmup"] = new(ParameterKind.Float, 0, 1),
        ["grad_clip"] = new(ParameterKind.Float, 0, 1e6),
        ["dropout"] = new(ParameterKind.Float, 0, 0.99),
        ["hidden"] = new(ParameterKind.Int, 1, 1 << 16),
        ["lambda_e"] = new(ParameterKind.Float, 0, 1e6),
        ["beta"] = new(ParameterKind.Float, 0, 1e6),
        ["tau"] = new(ParameterKind.Float, 0, 1e6, MinExclusive: true),
        ["conflict_gate"] = new(ParameterKind.Bool),
        ["divergence"] = new(ParameterKind.String, Allowed: new HashSet<string>(["kl", "js", "soft_ce"], StringComparer.Ordinal)),
        ["entropy_weight"] = new(ParameterKind.Float, 0, 1e6),
        ["dime_aug"] = new(ParameterKind.Bool),
        ["dime_aug_ratio"] = new(ParameterKind.Float, 0, 100),
        ["dime_aug_k"] = new(ParameterKind.Int, 1, 1000),
        ["class_weighted"] = new(ParameterKind.Bool),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Null when <paramref name="value"/> fits <paramref name="name"/>; otherwise what was expected.</summary>
    public static string? Check(string name, ParameterValue value)
    {
        if (!Entries.TryGetValue(name, out var e))
            return $"unknown hyperparameter '{name}'; known: {string.Join(", ", Entries.Keys.Order(StringComparer.Ordinal))}";
        bool kindOk = e.Kind == value.Kind || (e.Kind == ParameterKind.Float && value.Kind == ParameterKind.Int);
        if (!kindOk) return $"value '{value}' is {Describe(value.Kind)}; expected {Describe(e.Kind)}";
        if (e.Allowed is not null && !e.Allowed.Contains(value.AsString()))
            return $"value '{value}' is not one of {string.Join(", ", e.Allowed.Order(StringComparer.Ordinal))}";
        if (e.Kind is ParameterKind.Float or ParameterKind.Int)
        {
            double d = value.AsDouble();
            if (e.Min is { } min && (d < min || (e.MinExclusive && d == min)))
                return $"value {value} is too small; expected {(e.MinExclusive ? ">" : ">=")} {min}";
            if (e.Max is { } max && d > max) return $"value {value} is too large; expected <= {max}";
        }
        return null;
    }

    /// <summary>"a string", "an integer", …</summary>
    public static string Describe(ParameterKind kind) => kind switch
    {
        ParameterKind.String => "a string",
        ParameterKind.Int => "an integer",
        ParameterKind.Bool => "a boolean",
        _ => "a number",
    };
}
