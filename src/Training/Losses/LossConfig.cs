namespace Amber.Training.Losses;

/// <summary>
/// The objective and its weights (SPEC-AMBER.md defaults: λ_e = 1, β = 0.5, τ = 0.1, conflict gate on).
/// </summary>
/// <param name="Method">Which objective.</param>
/// <param name="Divergence">D(p, y) of the rater-level term (and of <c>soft</c>, <c>late_fusion</c>).</param>
/// <param name="ExpertWeight">λ_e, weight of the experts' rater-level terms.</param>
/// <param name="GuidanceWeight">β, weight of the modality-level guidance L_M.</param>
/// <param name="Temperature">τ of the reliabilities r_m = exp(−JS(p_m, y)/τ).</param>
/// <param name="ConflictGate">Multiply L_M per sample by 1 − JS₂(p_A, p_T).</param>
/// <param name="DetachGuidance">
/// True (default, ours): the expert weights w_m and the gate are computed from stop-gradient teachers, so L_M trains only
/// the student. False: gradients also flow through w_m and the gate into the experts (the literal formula).
/// </param>
/// <param name="EntropyWeight">Weight of H(p) in <c>js_entropy</c> (0.08).</param>
public sealed record LossConfig(
    LossMethod Method = LossMethod.Amber2,
    DivergenceKind Divergence = DivergenceKind.Kl,
    double ExpertWeight = 1.0,
    double GuidanceWeight = 0.5,
    double Temperature = 0.1,
    bool ConflictGate = true,
    bool DetachGuidance = true,
    double EntropyWeight = 0.08)
{
    /// <summary>Builds the default configuration of a method given by its spec name.</summary>
    public static LossConfig ForMethod(string method) => new(LossNames.ParseMethod(method));

    /// <summary>Throws <see cref="ArgumentException"/> naming the field when a weight is out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Method))
        {
            throw new ArgumentException($"LossConfig.Method = {Method} is not a method; expected one of: {string.Join(", ", LossNames.MethodNames)}.");
        }
        if (!(Temperature > 0))
        {
            throw new ArgumentException($"LossConfig.Temperature = {Temperature}; expected a value > 0.");
        }
        if (!(ExpertWeight >= 0) || !(GuidanceWeight >= 0) || !(EntropyWeight >= 0))
        {
            throw new ArgumentException($"LossConfig weights must be ≥ 0 (ExpertWeight = {ExpertWeight}, GuidanceWeight = {GuidanceWeight}, EntropyWeight = {EntropyWeight}).");
        }
    }
}
