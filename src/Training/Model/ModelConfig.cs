namespace Amber.Training.Model;

/// <summary>Activation of the projection layers.</summary>
public enum Activation
{
    /// <summary>GELU, tanh form (default).</summary>
    Gelu,
    /// <summary>ReLU.</summary>
    Relu,
}

/// <summary>Sizes of the AmbER² network (SPEC-AMBER.md: H = 256, C = 4, dropout 0.2).</summary>
/// <param name="SpeechDim">Da, width of the speech embedding.</param>
/// <param name="TextDim">Dt, width of the text embedding.</param>
/// <param name="Hidden">H, width of every projection.</param>
/// <param name="Classes">C.</param>
/// <param name="Dropout">Dropout probability after each projection, in [0, 1).</param>
/// <param name="Activation">Activation after each LayerNorm.</param>
public sealed record ModelConfig(int SpeechDim, int TextDim, int Hidden = 256, int Classes = 4, double Dropout = 0.2,
    Activation Activation = Activation.Gelu)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the field when a size is out of range.</summary>
    public void Validate()
    {
        Check(SpeechDim >= 1, nameof(SpeechDim), SpeechDim, "≥ 1");
        Check(TextDim >= 1, nameof(TextDim), TextDim, "≥ 1");
        Check(Hidden >= 1, nameof(Hidden), Hidden, "≥ 1");
        Check(Classes is >= 2 and <= Losses.AmberLoss.MaxClasses, nameof(Classes), Classes, $"in [2, {Losses.AmberLoss.MaxClasses}]");
        Check(Dropout is >= 0 and < 1, nameof(Dropout), Dropout, "in [0, 1)");
    }

    private static void Check(bool ok, string field, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException($"ModelConfig.{field} = {value}; expected {expected}.");
        }
    }
}
