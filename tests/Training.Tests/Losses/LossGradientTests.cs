using Amber.Training.Losses;
using Amber.Training.Model;
using Amber.Training.Tests.Support;

namespace Amber.Training.Tests.Losses;

/// <summary>
/// Every loss (and option) against central finite differences in double precision, at the logits and through the
/// whole network. Stop-gradient is honoured the way autograd defines it: the teachers' frozen copies stay fixed while
/// the live logits or parameters move.
/// </summary>
public sealed class LossGradientTests
{
    private const int B = 5, Cl = 4;

    public static TheoryData<string> Cases() =>
    [
        "amber2|kl|1|1", "amber2|js|1|1", "amber2|soft_ce|1|1", "amber2|kl|0|1", "amber2|kl|1|0", "amber2|js|1|0",
        "amber2|kl|0|0", "amber2_uniform|kl|1|1", "amber2_uniform|kl|1|0", "ce|kl|1|1", "soft|kl|1|1", "soft|js|1|1",
        "soft|soft_ce|1|1", "js_entropy|kl|1|1", "late_fusion|kl|1|1", "late_fusion|js|1|1", "late_fusion|soft_ce|1|1",
    ];

    internal static LossConfig Parse(string name)
    {
        var parts = name.Split('|');
        return new LossConfig(LossNames.ParseMethod(parts[0]), LossNames.ParseDivergence(parts[1]),
            ConflictGate: parts[2] == "1", DetachGuidance: parts[3] == "1");
    }

    internal static (double[] Soft, int[] Hard) Labels()
    {
        // One-hot, uniform, and partial-vote rows: zeros inside the logs exercise the ε.
        double[] soft =
        [
            1, 0, 0, 0,
            0.25, 0.25, 0.25, 0.25,
            0.5, 0.5, 0, 0,
            0, 0.2, 0.6, 0.2,
            0.1, 0.0, 0.3, 0.6,
        ];
        return (soft, [0, 1, 0, 2, 3]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logit_gradients_match_finite_differences(string caseName)
    {
        var config = Parse(caseName) with { Temperature = 0.3 };
        var (soft, hard) = Labels();
        var zF = FiniteDifference.Random(B * Cl, 21, 2.0);
        var zA = FiniteDifference.Random(B * Cl, 22, 2.0);
        var zT = FiniteDifference.Random(B * Cl, 23, 2.0);
        var frozenA = (double[])zA.Clone();
        var frozenT = (double[])zT.Clone();
        var dF = new double[B * Cl];
        var dA = new double[B * Cl];
        var dT = new double[B * Cl];
        var experts = config.Method.UsesExperts();
        var fusion = config.Method.UsesFusion();
        AmberLoss.Compute<double>(config, fusion ? zF : default, experts ? zA : default, experts ? zT : default, frozenA, frozenT,
            soft, hard, B, Cl, 1.0 / B, fusion ? dF : default, experts ? dA : default, experts ? dT : default);
        double F() => AmberLoss.Compute<double>(config, fusion ? zF : default, experts ? zA : default, experts ? zT : default,
            frozenA, frozenT, soft, hard, B, Cl, 0, default, default, default).Total / B;
        if (fusion)
        {
            FiniteDifference.Check(zF, dF, F, $"{caseName} dLogits fusion");
        }
        if (experts)
        {
            FiniteDifference.Check(zA, dA, F, $"{caseName} dLogits speech");
            FiniteDifference.Check(zT, dT, F, $"{caseName} dLogits text");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Network_parameter_gradients_match_finite_differences(string caseName)
    {
        var config = Parse(caseName) with { Temperature = 0.3 };
        var (soft, hard) = Labels();
        var net = new AmberNetwork<double>(new ModelConfig(5, 4, 6, Cl, Dropout: 0.3), config, B, seed: 3);
        var speech = FiniteDifference.Random(B * 5, 31, 2.0);
        var text = FiniteDifference.Random(B * 4, 32, 2.0);
        var dropout = new DropoutContext(true, 0, 17, 4, 0);
        net.ZeroGradients();
        net.Forward(speech, text, B, dropout);
        var frozenA = net.LogitsSpeech.ToArray();
        var frozenT = net.LogitsText.ToArray();
        net.LossAndBackward(speech, text, soft, hard, 1.0 / B, backward: true);
        var analytic = (double[])net.Gradients.Clone();
        double F()
        {
            net.Forward(speech, text, B, dropout);
            return AmberLoss.Compute<double>(config, net.LogitsFusion, net.LogitsSpeech, net.LogitsText,
                config.Method.UsesExperts() ? frozenA : default, config.Method.UsesExperts() ? frozenT : default,
                soft, hard, B, Cl, 0, default, default, default).Total / B;
        }
        FiniteDifference.Check(net.Parameters, analytic, F, $"{caseName} dParameters");
    }

    [Fact]
    public void Detached_guidance_sends_no_gradient_from_the_guidance_term_to_the_experts()
    {
        // With λ_e = 0 the experts' only path to the loss is L_M, whose teachers are stop-gradient.
        var config = new LossConfig(LossMethod.Amber2, ExpertWeight: 0);
        var (soft, hard) = Labels();
        var zF = FiniteDifference.Random(B * Cl, 41);
        var zA = FiniteDifference.Random(B * Cl, 42);
        var zT = FiniteDifference.Random(B * Cl, 43);
        var dA = new double[B * Cl];
        var dT = new double[B * Cl];
        AmberLoss.Compute<double>(config, zF, zA, zT, soft, hard, B, Cl, 1.0, new double[B * Cl], dA, dT);
        Assert.All(dA, v => Assert.Equal(0.0, v));
        Assert.All(dT, v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Adaptive_weights_follow_the_reliability_formula()
    {
        // One sample: the speech expert is exact, the text expert uniform; w_A = r_A / (r_A + r_T), r = exp(−JS/τ).
        double[] y = [0.7, 0.1, 0.1, 0.1];
        var zA = y.Select(v => Math.Log(v)).ToArray();
        double[] zT = [0, 0, 0, 0];
        var config = new LossConfig(LossMethod.Amber2, Temperature: 0.1, ConflictGate: false);
        var terms = AmberLoss.Compute<double>(config, new double[4], zA, zT, y, [0], 1, 4, 1.0, default, default, default);
        static double Js(double[] p, double[] q)
        {
            var s = 0.0;
            for (var c = 0; c < p.Length; c++)
            {
                var m = (p[c] + q[c]) / 2;
                s += 0.5 * p[c] * Math.Log(p[c] / m) + 0.5 * q[c] * Math.Log(q[c] / m);
            }
            return s;
        }
        var rA = Math.Exp(-Js(y, y) / 0.1);
        var rT = Math.Exp(-Js([0.25, 0.25, 0.25, 0.25], y) / 0.1);
        Assert.Equal(rA / (rA + rT), terms.SpeechWeight, 9);
        Assert.Equal(1.0, terms.Gate);
    }

    [Fact]
    public void Unknown_names_list_the_valid_ones()
    {
        var method = Assert.Throws<FormatException>(() => LossNames.ParseMethod("amber3"));
        Assert.Contains("amber3", method.Message);
        Assert.Contains("amber2, amber2_uniform, ce, soft, js_entropy, late_fusion", method.Message);
        var divergence = Assert.Throws<FormatException>(() => LossNames.ParseDivergence("hellinger"));
        Assert.Contains("kl, js, soft_ce", divergence.Message);
        Assert.Equal(LossMethod.JsEntropy, LossNames.ParseMethod("JS_ENTROPY"));
        Assert.Equal("late_fusion", LossMethod.LateFusion.Name());
    }

    [Fact]
    public void Cross_entropy_rejects_a_hard_label_out_of_range()
    {
        var config = new LossConfig(LossMethod.CrossEntropy);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            AmberLoss.Compute<double>(config, new double[4], default, default, [1, 0, 0, 0], [7], 1, 4, 1, default, default, default));
        Assert.Contains("row 0 is 7", error.Message);
    }
}
