using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Amber.Training.Losses;

/// <summary>
/// The losses of SPEC-AMBER.md on the logits of the three heads, forward and backward in one pass.
/// Legend: B rows of this batch (or slice), C classes. Per-sample losses are summed and the gradients are scaled by
/// <c>gradientScale</c> = 1 / global batch size, so ranks that each hold a slice of a batch and sum their gradients
/// reproduce one worker's gradient.
/// </summary>
public static class AmberLoss
{
    /// <summary>The largest class count the stack scratch supports.</summary>
    public const int MaxClasses = 64;

    private const int Scratch = 18;

    /// <summary>
    /// Computes the loss terms of a batch; when the gradient spans are not empty, overwrites dLogits [B, C] of every
    /// head the method uses with gradientScale · ∂L/∂logits.
    /// </summary>
    /// <param name="config">The objective.</param>
    /// <param name="logitsFusion">[B, C] student logits (empty for late_fusion).</param>
    /// <param name="logitsSpeech">[B, C] speech expert logits (empty when the method has no experts).</param>
    /// <param name="logitsText">[B, C] text expert logits (empty when the method has no experts).</param>
    /// <param name="soft">[B, C] soft labels y.</param>
    /// <param name="hard">[B] hard labels (read by <c>ce</c> only).</param>
    /// <param name="batch">B.</param>
    /// <param name="classes">C.</param>
    /// <param name="gradientScale">Multiplier of every gradient (1 / global batch size).</param>
    /// <param name="dFusion">[B, C] output gradient, or empty.</param>
    /// <param name="dSpeech">[B, C] output gradient, or empty.</param>
    /// <param name="dText">[B, C] output gradient, or empty.</param>
    public static LossTerms Compute<T>(LossConfig config, ReadOnlySpan<T> logitsFusion, ReadOnlySpan<T> logitsSpeech,
        ReadOnlySpan<T> logitsText, ReadOnlySpan<T> soft, ReadOnlySpan<int> hard, int batch, int classes,
        double gradientScale, Span<T> dFusion, Span<T> dSpeech, Span<T> dText)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Compute(config, logitsFusion, logitsSpeech, logitsText, logitsSpeech, logitsText, soft, hard, batch, classes,
            gradientScale, dFusion, dSpeech, dText);

    /// <summary>
    /// As the public overload, with the stop-gradient copies of the teachers' logits given separately. Training passes
    /// the same logits twice; a finite-difference check holds the frozen copies fixed while it perturbs the live ones,
    /// which is what stop-gradient means.
    /// </summary>
    internal static LossTerms Compute<T>(LossConfig config, ReadOnlySpan<T> logitsFusion, ReadOnlySpan<T> logitsSpeech,
        ReadOnlySpan<T> logitsText, ReadOnlySpan<T> frozenSpeech, ReadOnlySpan<T> frozenText, ReadOnlySpan<T> soft,
        ReadOnlySpan<int> hard, int batch, int classes, double gradientScale, Span<T> dFusion, Span<T> dSpeech, Span<T> dText)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (classes is < 2 or > MaxClasses)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, $"Class count must be in [2, {MaxClasses}].");
        }
        var method = config.Method;
        var fusion = method.UsesFusion();
        var experts = method.UsesExperts();
        var wantGradient = fusion ? !dFusion.IsEmpty : !dSpeech.IsEmpty;
        Span<double> scratch = stackalloc double[Scratch * classes];
        scratch.Clear();
        var zF = scratch.Slice(0 * classes, classes);
        var pF = scratch.Slice(1 * classes, classes);
        var lpF = scratch.Slice(2 * classes, classes);
        var zA = scratch.Slice(3 * classes, classes);
        var pA = scratch.Slice(4 * classes, classes);
        var lpA = scratch.Slice(5 * classes, classes);
        var zT = scratch.Slice(6 * classes, classes);
        var pT = scratch.Slice(7 * classes, classes);
        var lpT = scratch.Slice(8 * classes, classes);
        var y = scratch.Slice(9 * classes, classes);
        var dF = scratch.Slice(10 * classes, classes);
        var dA = scratch.Slice(11 * classes, classes);
        var dT = scratch.Slice(12 * classes, classes);
        var dpA = scratch.Slice(13 * classes, classes);
        var dpT = scratch.Slice(14 * classes, classes);
        var dp = scratch.Slice(15 * classes, classes);
        var sgA = scratch.Slice(16 * classes, classes);
        var sgT = scratch.Slice(17 * classes, classes);
        var terms = new LossTerms { Samples = batch };
        // In training the frozen teachers are the live logits themselves: one softmax serves both.
        var sameTeachers = experts &&
            Unsafe.AreSame(ref MemoryMarshal.GetReference(frozenSpeech), ref MemoryMarshal.GetReference(logitsSpeech)) &&
            Unsafe.AreSame(ref MemoryMarshal.GetReference(frozenText), ref MemoryMarshal.GetReference(logitsText));
        var s = gradientScale;

        for (var r = 0; r < batch; r++)
        {
            var o = r * classes;
            for (var c = 0; c < classes; c++)
            {
                y[c] = double.CreateTruncating(soft[o + c]);
            }
            if (fusion)
            {
                Load(logitsFusion.Slice(o, classes), zF);
                Distributions.Softmax(zF, pF, lpF);
                dF.Clear();
            }
            if (experts)
            {
                Load(logitsSpeech.Slice(o, classes), zA);
                Load(logitsText.Slice(o, classes), zT);
                Distributions.Softmax(zA, pA, lpA);
                Distributions.Softmax(zT, pT, lpT);
                if (sameTeachers)
                {
                    pA.CopyTo(sgA);
                    pT.CopyTo(sgT);
                }
                else
                {
                    // Distinct frozen copies (gradient checks): their own softmax; dp and dpA are free scratch here.
                    Load(frozenSpeech.Slice(o, classes), dpA);
                    Distributions.Softmax(dpA, sgA, dp);
                    Load(frozenText.Slice(o, classes), dpA);
                    Distributions.Softmax(dpA, sgT, dp);
                }
                dA.Clear();
                dT.Clear();
            }

            double total;
            switch (method)
            {
                case LossMethod.CrossEntropy:
                {
                    var h = hard[r];
                    if ((uint)h >= (uint)classes)
                    {
                        throw new ArgumentOutOfRangeException(nameof(hard), h, $"Hard label of batch row {r} is {h}; expected a class index in [0, {classes - 1}].");
                    }
                    terms.Student += -lpF[h];
                    total = -lpF[h];
                    for (var c = 0; c < classes; c++)
                    {
                        dF[c] = s * (pF[c] - (c == h ? 1.0 : 0.0));
                    }
                    break;
                }
                case LossMethod.Soft:
                    total = Divergence(config.Divergence, pF, lpF, y, dF, s, dp);
                    terms.Student += total;
                    break;
                case LossMethod.JsEntropy:
                {
                    dp.Clear();
                    var js = Distributions.JensenShannon(pF, y, dp, s);
                    Distributions.AddProbabilityGradientToLogits(dF, pF, dp);
                    var h = Distributions.Entropy(pF, lpF);
                    Distributions.AddEntropyLogitGradient(dF, pF, lpF, s * config.EntropyWeight);
                    total = js + config.EntropyWeight * h;
                    terms.Student += total;
                    break;
                }
                case LossMethod.LateFusion:
                {
                    var e = Divergence(config.Divergence, pA, lpA, y, dA, s, dp) + Divergence(config.Divergence, pT, lpT, y, dT, s, dp);
                    terms.Experts += e;
                    total = e;
                    break;
                }
                case LossMethod.Amber2:
                case LossMethod.Amber2Uniform:
                    total = Amber2Row(config, pF, lpF, pA, lpA, pT, lpT, sgA, sgT, y, dF, dA, dT, dpA, dpT, dp, s, ref terms);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(config), method, "Not a defined training method.");
            }
            terms.Total += total;

            if (wantGradient)
            {
                if (fusion)
                {
                    Store(dF, dFusion.Slice(o, classes));
                }
                if (experts)
                {
                    Store(dA, dSpeech.Slice(o, classes));
                    Store(dT, dText.Slice(o, classes));
                }
            }
        }
        return terms;
    }

    private static double Amber2Row(LossConfig config, Span<double> pF, Span<double> lpF, Span<double> pA, Span<double> lpA,
        Span<double> pT, Span<double> lpT, Span<double> sgA, Span<double> sgT, Span<double> y, Span<double> dF, Span<double> dA, Span<double> dT,
        Span<double> dpA, Span<double> dpT, Span<double> dp, double s, ref LossTerms terms)
    {
        var lambda = config.ExpertWeight;
        var beta = config.GuidanceWeight;
        var tau = config.Temperature;
        var student = Divergence(config.Divergence, pF, lpF, y, dF, s, dp);
        var expertTerm = Divergence(config.Divergence, pA, lpA, y, dA, s * lambda, dp)
                       + Divergence(config.Divergence, pT, lpT, y, dT, s * lambda, dp);
        terms.Student += student;
        terms.Experts += expertTerm;

        var adaptive = config.Method == LossMethod.Amber2;
        var teacherGradient = !config.DetachGuidance;
        // Weights and gate see the live experts only when gradients may flow through them.
        var wpA = teacherGradient ? pA : sgA;
        var wpT = teacherGradient ? pT : sgT;
        dpA.Clear();
        dpT.Clear();

        // Reliability weights: w_A = r_A / (r_A + r_T) = σ((JS_T − JS_A) / τ), written to stay finite for small τ.
        double wA = 0.5, wT = 0.5;
        var jsA = 0.0;
        var jsT = 0.0;
        if (adaptive)
        {
            jsA = Distributions.JensenShannon(wpA, y);
            jsT = Distributions.JensenShannon(wpT, y);
            var x = (jsT - jsA) / tau;
            wA = x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));
            wT = 1.0 - wA;
        }
        // KL(sg(p_m) ‖ p_AT): the teacher distribution is a constant target.
        var klA = Distributions.KlTargetToPrediction(sgA, lpF);
        var klT = Distributions.KlTargetToPrediction(sgT, lpF);
        var gate = 1.0;
        if (config.ConflictGate)
        {
            gate = 1.0 - Distributions.JensenShannon(wpA, wpT) / Math.Log(2.0);
        }
        var weighted = wA * klA + wT * klT;
        var guidance = gate * weighted;
        terms.Guidance += guidance;
        terms.SpeechWeight += wA;
        terms.Gate += gate;

        Distributions.AddCrossEntropyLogitGradient(dF, pF, sgA, s * beta * gate * wA);
        Distributions.AddCrossEntropyLogitGradient(dF, pF, sgT, s * beta * gate * wT);

        if (teacherGradient)
        {
            if (config.ConflictGate)
            {
                // ∂gate/∂p_A = −∂JS(p_A, p_T)/∂p_A / ln 2, and symmetrically for p_T.
                var k = -s * beta * weighted / Math.Log(2.0);
                Distributions.JensenShannon(pA, pT, dpA, k);
                Distributions.JensenShannon(pT, pA, dpT, k);
            }
            if (adaptive)
            {
                // ∂w_A/∂JS_A = −w_A w_T / τ, ∂w_T/∂JS_A = +w_A w_T / τ (and the mirror for JS_T).
                var dJsA = s * beta * gate * wA * wT * (klT - klA) / tau;
                Distributions.JensenShannon(pA, y, dpA, dJsA);
                Distributions.JensenShannon(pT, y, dpT, -dJsA);
            }
            Distributions.AddProbabilityGradientToLogits(dA, pA, dpA);
            Distributions.AddProbabilityGradientToLogits(dT, pT, dpT);
        }
        return student + lambda * expertTerm + beta * guidance;
    }

    /// <summary>D(p, y) and dz += scale · ∂D/∂z.</summary>
    private static double Divergence(DivergenceKind kind, ReadOnlySpan<double> p, ReadOnlySpan<double> logp,
        ReadOnlySpan<double> y, Span<double> dz, double scale, Span<double> dp)
    {
        switch (kind)
        {
            case DivergenceKind.Kl:
                Distributions.AddCrossEntropyLogitGradient(dz, p, y, scale);
                return Distributions.KlTargetToPrediction(y, logp);
            case DivergenceKind.SoftCe:
                Distributions.AddCrossEntropyLogitGradient(dz, p, y, scale);
                return Distributions.SoftCrossEntropy(y, logp);
            case DivergenceKind.Js:
            {
                dp.Clear();
                var js = Distributions.JensenShannon(p, y, dp, scale);
                Distributions.AddProbabilityGradientToLogits(dz, p, dp);
                return js;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Not a divergence; expected one of: {string.Join(", ", LossNames.DivergenceNames)}.");
        }
    }

    private static void Load<T>(ReadOnlySpan<T> source, Span<double> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var c = 0; c < destination.Length; c++)
        {
            destination[c] = double.CreateTruncating(source[c]);
        }
    }

    private static void Store<T>(ReadOnlySpan<double> source, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var c = 0; c < source.Length; c++)
        {
            destination[c] = T.CreateTruncating(source[c]);
        }
    }
}
