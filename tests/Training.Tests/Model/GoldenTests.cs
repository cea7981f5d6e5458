using Amber.Training.Losses;
using Amber.Training.Model;
using Amber.Training.Optimization;
using Amber.Training.Tests.Support;

namespace Amber.Training.Tests.Model;

/// <summary>
/// The C# network against PyTorch autograd (bench/reference/make_golden.py wrote Golden/amber-golden.bin): logits, every
/// loss term and every gradient for each method and option, and 10 AdamW / SGD steps.
/// </summary>
public sealed class GoldenTests
{
    private const int B = 6, Da = 12, Dt = 10, H = 8, C = 4;
    private static readonly string[] TermNames = ["total", "student", "experts", "guidance", "w_a", "gate"];
    private static readonly GoldenFile Golden = GoldenFile.Load("amber-golden.bin");

    public static TheoryData<string> Cases() =>
    [
        "amber2|kl|1|1", "amber2|js|1|1", "amber2|soft_ce|1|1", "amber2|kl|0|1", "amber2|kl|1|0", "amber2|js|1|0",
        "amber2_uniform|kl|1|1", "amber2_uniform|kl|1|0", "ce|kl|1|1", "soft|kl|1|1", "soft|js|1|1", "soft|soft_ce|1|1",
        "js_entropy|kl|1|1", "late_fusion|kl|1|1", "late_fusion|js|1|1",
    ];

    private static LossConfig Parse(string name)
    {
        var parts = name.Split('|');
        return new LossConfig(LossNames.ParseMethod(parts[0]), LossNames.ParseDivergence(parts[1]),
            ConflictGate: parts[2] == "1", DetachGuidance: parts[3] == "1");
    }

    private static AmberNetwork<float> Build(string caseName, LossConfig loss)
    {
        var net = new AmberNetwork<float>(new ModelConfig(Da, Dt, H, C, Dropout: 0), loss, B, seed: 99);
        foreach (var slice in net.Layout.Slices)
        {
            var values = Golden[$"{caseName}/param/{slice.Name}"];
            Assert.Equal(slice.Length, values.Length);
            values.CopyTo(net.Parameter(slice.Name));
        }
        return net;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_terms_and_gradients_match_pytorch(string caseName)
    {
        var loss = Parse(caseName);
        var net = Build(caseName, loss);
        var hard = Array.ConvertAll(Golden["input.hard"], v => (int)v);
        net.ZeroGradients();
        net.Forward(Golden["input.speech"], Golden["input.text"], B, DropoutContext.Evaluation);
        if (loss.Method.UsesFusion())
        {
            TensorAssert.Close(Golden[$"{caseName}/logits.fusion"], net.LogitsFusion, 1e-4, 1e-5, $"{caseName} fusion logits");
        }
        if (loss.Method.UsesExperts())
        {
            TensorAssert.Close(Golden[$"{caseName}/logits.speech"], net.LogitsSpeech, 1e-4, 1e-5, $"{caseName} speech logits");
            TensorAssert.Close(Golden[$"{caseName}/logits.text"], net.LogitsText, 1e-4, 1e-5, $"{caseName} text logits");
        }
        var terms = net.LossAndBackward(Golden["input.speech"], Golden["input.text"], Golden["input.soft"], hard, 1.0 / B, backward: true);
        var expected = Golden[$"{caseName}/terms"];
        double[] actual = [terms.Total / B, terms.Student / B, terms.Experts / B, terms.Guidance / B, terms.SpeechWeight / B, terms.Gate / B];
        for (var k = 0; k < TermNames.Length; k++)
        {
            // PyTorch reports zeros for terms a method has not; the C# sums stay zero there too, except the gate/weight
            // sums of non-AmbER² methods, which PyTorch also leaves at zero.
            Assert.True(Math.Abs(expected[k] - actual[k]) <= 2e-5 + 2e-4 * Math.Abs(expected[k]),
                $"{caseName} term {TermNames[k]}: expected {expected[k]:G9}, got {actual[k]:G9}");
        }
        foreach (var slice in net.Layout.Slices)
        {
            TensorAssert.Close(Golden[$"{caseName}/grad/{slice.Name}"], net.Gradient(slice.Name), 2e-3, 2e-6, $"{caseName} grad {slice.Name}");
        }
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void Ten_optimizer_steps_match_pytorch(string optimizerName)
    {
        const string caseName = "amber2|kl|1|1";
        var loss = Parse(caseName);
        var net = Build(caseName, loss);
        IOptimizer optimizer = optimizerName == "adamw"
            ? new AdamW(net.Layout.Total, weightDecay: 0.01)
            : new Sgd(net.Layout.Total, momentum: 0.9, weightDecay: 0.01);
        var schedule = new CosineSchedule(optimizerName == "adamw" ? 1e-2 : 1e-1, 2, 10);
        var hard = Array.ConvertAll(Golden["input.hard"], v => (int)v);
        var norms = new double[10];
        for (var step = 0; step < 10; step++)
        {
            net.ZeroGradients();
            net.Forward(Golden["input.speech"], Golden["input.text"], B, DropoutContext.Evaluation);
            net.LossAndBackward(Golden["input.speech"], Golden["input.text"], Golden["input.soft"], hard, 1.0 / B, backward: true);
            norms[step] = GradientClipping.Clip(net.Gradients, 0.5);
            optimizer.Step(net.Parameters, net.Gradients, (float)schedule.RateAt(step));
        }
        TensorAssert.Close(Array.ConvertAll(Golden[$"{optimizerName}/grad_norms"], v => (double)v), norms, 1e-3, 1e-6, $"{optimizerName} gradient norms");
        foreach (var slice in net.Layout.Slices)
        {
            TensorAssert.Close(Golden[$"{optimizerName}/param/{slice.Name}"], net.Parameter(slice.Name), 1e-3, 2e-5, $"{optimizerName} param {slice.Name}");
        }
    }
}
