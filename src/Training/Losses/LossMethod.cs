namespace Amber.Training.Losses;

/// <summary>The training objectives of SPEC-AMBER.md, each selectable by its name.</summary>
public enum LossMethod
{
    /// <summary><c>amber2</c>: rater-level term plus adaptive modality guidance (the full method).</summary>
    Amber2,
    /// <summary><c>amber2_uniform</c>: AmbER² with expert weights fixed at 1/2.</summary>
    Amber2Uniform,
    /// <summary><c>ce</c>: fusion head only, cross-entropy against the hard label.</summary>
    CrossEntropy,
    /// <summary><c>soft</c>: fusion head only, divergence against the soft label.</summary>
    Soft,
    /// <summary><c>js_entropy</c>: fusion head only, JS(p, y) + 0.08·H(p).</summary>
    JsEntropy,
    /// <summary><c>late_fusion</c>: experts only; the prediction is the mean of their distributions.</summary>
    LateFusion,
}

/// <summary>The divergence D(p, y) used by the rater-level term.</summary>
public enum DivergenceKind
{
    /// <summary><c>kl</c>: KL(y ‖ p) (default).</summary>
    Kl,
    /// <summary><c>js</c>: Jensen–Shannon, natural log.</summary>
    Js,
    /// <summary><c>soft_ce</c>: −Σ y log p.</summary>
    SoftCe,
}

/// <summary>Parsing and printing of method and divergence names, with errors that list the valid names.</summary>
public static class LossNames
{
    private static readonly (string Name, LossMethod Method)[] Methods =
    [
        ("amber2", LossMethod.Amber2), ("amber2_uniform", LossMethod.Amber2Uniform), ("ce", LossMethod.CrossEntropy),
        ("soft", LossMethod.Soft), ("js_entropy", LossMethod.JsEntropy), ("late_fusion", LossMethod.LateFusion),
    ];

    private static readonly (string Name, DivergenceKind Kind)[] Divergences =
        [("kl", DivergenceKind.Kl), ("js", DivergenceKind.Js), ("soft_ce", DivergenceKind.SoftCe)];

    /// <summary>All method names, in the order of the spec.</summary>
    public static IReadOnlyList<string> MethodNames { get; } = Array.ConvertAll(Methods, m => m.Name);

    /// <summary>All divergence names.</summary>
    public static IReadOnlyList<string> DivergenceNames { get; } = Array.ConvertAll(Divergences, d => d.Name);

    /// <summary>Parses a method name such as <c>amber2</c>; throws <see cref="FormatException"/> listing the valid names.</summary>
    public static LossMethod ParseMethod(string name)
    {
        foreach (var (n, m) in Methods)
        {
            if (string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return m;
            }
        }
        throw new FormatException($"Unknown training method '{name}'; expected one of: {string.Join(", ", MethodNames)}.");
    }

    /// <summary>Parses a divergence name such as <c>kl</c>; throws <see cref="FormatException"/> listing the valid names.</summary>
    public static DivergenceKind ParseDivergence(string name)
    {
        foreach (var (n, d) in Divergences)
        {
            if (string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return d;
            }
        }
        throw new FormatException($"Unknown divergence '{name}'; expected one of: {string.Join(", ", DivergenceNames)}.");
    }

    /// <summary>The spec name of a method.</summary>
    public static string Name(this LossMethod method) => Array.Find(Methods, m => m.Method == method).Name
        ?? throw new ArgumentOutOfRangeException(nameof(method), method, "Not a defined training method.");

    /// <summary>The spec name of a divergence.</summary>
    public static string Name(this DivergenceKind kind) => Array.Find(Divergences, d => d.Kind == kind).Name
        ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a defined divergence.");

    /// <summary>True when the method trains (and the model therefore has) the two expert heads.</summary>
    public static bool UsesExperts(this LossMethod method) =>
        method is LossMethod.Amber2 or LossMethod.Amber2Uniform or LossMethod.LateFusion;

    /// <summary>True when the method has the fusion (student) head.</summary>
    public static bool UsesFusion(this LossMethod method) => method != LossMethod.LateFusion;
}
