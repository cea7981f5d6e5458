using System.Globalization;

namespace Amber.Grains.Parameters;

/// <summary>The kind of a hyperparameter value: what the sweep file wrote, kept so executors never guess.</summary>
public enum ParameterKind
{
    /// <summary>A string such as a method name or a divergence ("kl").</summary>
    String,
    /// <summary>A 64-bit integer (batch size, epochs, hidden width).</summary>
    Int,
    /// <summary>A double (learning rate, dropout, λ).</summary>
    Float,
    /// <summary>A boolean switch (conflict gate).</summary>
    Bool,
}

/// <summary>
/// One typed hyperparameter value of a trial. Immutable; equality is by kind and value, so identical trials compare equal.
/// </summary>
public readonly record struct ParameterValue
{
    private readonly string? text;
    private readonly double number;

    private ParameterValue(ParameterKind kind, string? text, double number)
    {
        Kind = kind;
        this.text = text;
        this.number = number;
    }

    /// <summary>What the value is.</summary>
    public ParameterKind Kind { get; }

    /// <summary>A string value.</summary>
    public static ParameterValue Of(string value) => new(ParameterKind.String, value ?? throw new ArgumentNullException(nameof(value)), 0);

    /// <summary>An integer value.</summary>
    public static ParameterValue Of(long value) => new(ParameterKind.Int, null, value);

    /// <summary>A floating-point value; NaN and infinities are refused because no hyperparameter means them.</summary>
    public static ParameterValue Of(double value) => double.IsFinite(value)
        ? new(ParameterKind.Float, null, value)
        : throw new ArgumentOutOfRangeException(nameof(value), value, "a hyperparameter must be a finite number");

    /// <summary>A boolean value.</summary>
    public static ParameterValue Of(bool value) => new(ParameterKind.Bool, null, value ? 1 : 0);

    /// <summary>The string; throws when the value is of another kind.</summary>
    public string AsString() => Kind == ParameterKind.String ? text! : throw Mismatch(ParameterKind.String);

    /// <summary>The integer; throws when the value is not an integer.</summary>
    public long AsInt() => Kind == ParameterKind.Int ? (long)number : throw Mismatch(ParameterKind.Int);

    /// <summary>The number; integers widen to double, other kinds throw.</summary>
    public double AsDouble() => Kind is ParameterKind.Float or ParameterKind.Int ? number : throw Mismatch(ParameterKind.Float);

    /// <summary>The boolean; throws when the value is of another kind.</summary>
    public bool AsBool() => Kind == ParameterKind.Bool ? number != 0 : throw Mismatch(ParameterKind.Bool);

    /// <summary>Invariant-culture text: "0.001", "32", "true", "amber2".</summary>
    public override string ToString() => Kind switch
    {
        ParameterKind.String => text!,
        ParameterKind.Int => ((long)number).ToString(CultureInfo.InvariantCulture),
        ParameterKind.Bool => number != 0 ? "true" : "false",
        _ => number.ToString("R", CultureInfo.InvariantCulture),
    };

    private InvalidOperationException Mismatch(ParameterKind wanted) =>
        new($"hyperparameter value '{this}' is {Kind.ToString().ToLowerInvariant()}, not {wanted.ToString().ToLowerInvariant()}");
}
