using Amber.Training.Layers;
using Amber.Training.Tests.Support;

namespace Amber.Training.Tests.Layers;

/// <summary>
/// Every layer's backward against central finite differences in double precision, on the objective Σ w ⊙ y with random w.
/// Backward accumulates, so the gradients start from a non-zero value that is subtracted again.
/// </summary>
public sealed class LayerGradientTests
{
    private const int B = 3;

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Linear_gradients_match_finite_differences(int extraStride)
    {
        const int I = 5, O = 4;
        var stride = I + extraStride;
        var x = FiniteDifference.Random(B * I, 1);
        var w = FiniteDifference.Random(O * stride, 2);
        var b = FiniteDifference.Random(O, 3);
        var weights = FiniteDifference.Random(B * O, 4);
        double F()
        {
            var y = new double[B * O];
            Linear.Forward<double>(y, x, w, b, B, I, O, stride);
            return FiniteDifference.Weighted(y, weights);
        }
        var dx = new double[B * I];
        var dw = new double[O * stride];
        var db = new double[O];
        Linear.Backward<double>(dx, dw, db, weights, x, w, B, I, O, stride);
        FiniteDifference.Check(x, dx, F, "dInput");
        FiniteDifference.Check(w, dw, F, "dWeight");
        FiniteDifference.Check(b, db, F, "dBias");
    }

    [Fact]
    public void Linear_forward_accumulate_adds_to_the_output()
    {
        double[] x = [1, 2];
        double[] w = [3, 4];
        double[] y = [10];
        Linear.Forward<double>(y, x, w, default, 1, 2, 1, accumulate: true);
        Assert.Equal(10 + 1 * 3 + 2 * 4, y[0]);
        Linear.Forward<double>(y, x, w, [0.5], 1, 2, 1, accumulate: true);
        Assert.Equal(21 + 11 + 0.5, y[0]);
    }

    [Fact]
    public void LayerNorm_gradients_match_finite_differences()
    {
        const int D = 6;
        var x = FiniteDifference.Random(B * D, 5, 2.0);
        var gamma = FiniteDifference.Random(D, 6);
        var beta = FiniteDifference.Random(D, 7);
        var weights = FiniteDifference.Random(B * D, 8);
        var mean = new double[B];
        var rstd = new double[B];
        double F()
        {
            var y = new double[B * D];
            LayerNorm.Forward<double>(y, new double[B], new double[B], x, gamma, beta, B, D);
            return FiniteDifference.Weighted(y, weights);
        }
        LayerNorm.Forward<double>(new double[B * D], mean, rstd, x, gamma, beta, B, D);
        var dx = new double[B * D];
        var dg = new double[D];
        var dbeta = new double[D];
        LayerNorm.Backward<double>(dx, dg, dbeta, weights, x, mean, rstd, gamma, B, D);
        FiniteDifference.Check(x, dx, F, "dInput");
        FiniteDifference.Check(gamma, dg, F, "dGamma");
        FiniteDifference.Check(beta, dbeta, F, "dBeta");
    }

    [Fact]
    public void LayerNorm_normalises_rows_like_a_scalar_loop()
    {
        double[] x = [1, 2, 3, 4];
        var y = new double[4];
        LayerNorm.Forward<double>(y, new double[1], new double[1], x, [1, 1, 1, 1], [0, 0, 0, 0], 1, 4);
        // mean 2.5, biased variance 1.25
        var s = 1 / Math.Sqrt(1.25 + 1e-5);
        TensorAssert.Close([-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s], y, 1e-12, 1e-12, "layer norm");
    }

    [Fact]
    public void Gelu_gradient_matches_finite_differences()
    {
        var x = FiniteDifference.Random(12, 9, 3.0);
        var weights = FiniteDifference.Random(12, 10);
        double F()
        {
            var y = new double[12];
            Gelu.Forward<double>(y, new double[12], x);
            return FiniteDifference.Weighted(y, weights);
        }
        var saved = new double[12];
        Gelu.Forward<double>(new double[12], saved, x);
        var dx = new double[12];
        Gelu.Backward<double>(dx, weights, x, saved);
        FiniteDifference.Check(x, dx, F, "dInput");
    }

    [Fact]
    public void Gelu_matches_the_tanh_formula()
    {
        double[] x = [-2, -0.5, 0, 0.5, 2];
        var y = new double[5];
        Gelu.Forward<double>(y, new double[5], x);
        var expected = x.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray();
        TensorAssert.Close(expected, y, 1e-14, 1e-15, "gelu");
    }

    [Fact]
    public void Relu_gradient_matches_finite_differences()
    {
        double[] x = [-1.5, -0.2, 0.3, 2.0, 0.7, -3.0];
        var weights = FiniteDifference.Random(6, 11);
        double F()
        {
            var y = new double[6];
            Relu.Forward<double>(y, x);
            return FiniteDifference.Weighted(y, weights);
        }
        var dx = new double[6];
        Relu.Backward<double>(dx, weights, x);
        FiniteDifference.Check(x, dx, F, "dInput");
    }

    [Fact]
    public void Dropout_gradient_matches_finite_differences_for_a_fixed_mask()
    {
        const int D = 50;
        var x = FiniteDifference.Random(B * D, 12);
        var weights = FiniteDifference.Random(B * D, 13);
        var mask = new double[B * D];
        double F()
        {
            var y = new double[B * D];
            Dropout.Forward<double>(y, new double[B * D], x, 0.3, seed: 5, stream: 1, step: 9, firstGlobalRow: 0, B, D);
            return FiniteDifference.Weighted(y, weights);
        }
        Dropout.Forward<double>(new double[B * D], mask, x, 0.3, 5, 1, 9, 0, B, D);
        var dx = new double[B * D];
        Dropout.Backward<double>(dx, weights, mask);
        FiniteDifference.Check(x, dx, F, "dInput");
    }

    [Fact]
    public void Dropout_keeps_about_one_minus_p_scaled_and_depends_only_on_the_global_row()
    {
        const int D = 1000;
        var mask = new double[4 * D];
        Dropout.Forward<double>(new double[4 * D], mask, new double[4 * D], 0.2, 1, 1, 3, 0, 4, D);
        var kept = mask.Count(m => m != 0);
        Assert.InRange(kept / (4.0 * D), 0.77, 0.83);
        Assert.All(mask.Where(m => m != 0), m => Assert.Equal(1 / 0.8, m, 12));
        // Rows 2..3 drawn as a slice starting at global row 2 get the same mask as in the full batch.
        var slice = new double[2 * D];
        Dropout.Forward<double>(new double[2 * D], slice, new double[2 * D], 0.2, 1, 1, 3, 2, 2, D);
        Assert.Equal(mask[(2 * D)..], slice);
        // Another step draws another mask.
        var next = new double[4 * D];
        Dropout.Forward<double>(new double[4 * D], next, new double[4 * D], 0.2, 1, 1, 4, 0, 4, D);
        Assert.NotEqual(mask, next);
    }

    [Fact]
    public void Softmax_and_log_softmax_gradients_match_finite_differences()
    {
        const int Cl = 4;
        var z = FiniteDifference.Random(B * Cl, 14, 3.0);
        var weights = FiniteDifference.Random(B * Cl, 15);
        double Fp()
        {
            var p = new double[B * Cl];
            Softmax.Forward<double>(p, z, B, Cl);
            return FiniteDifference.Weighted(p, weights);
        }
        double Fl()
        {
            var lp = new double[B * Cl];
            Softmax.LogForward<double>(lp, z, B, Cl);
            return FiniteDifference.Weighted(lp, weights);
        }
        var probs = new double[B * Cl];
        var logProbs = new double[B * Cl];
        Softmax.Forward<double>(probs, z, B, Cl);
        Softmax.LogForward<double>(logProbs, z, B, Cl);
        var dz = new double[B * Cl];
        Softmax.Backward<double>(dz, weights, probs, B, Cl);
        FiniteDifference.Check(z, dz, Fp, "softmax dLogits");
        var dzl = new double[B * Cl];
        Softmax.LogBackward<double>(dzl, weights, logProbs, B, Cl);
        FiniteDifference.Check(z, dzl, Fl, "log-softmax dLogits");
    }

    [Fact]
    public void Softmax_is_stable_for_large_logits()
    {
        double[] z = [1000, 1000, -1000, 999];
        var p = new double[4];
        Softmax.Forward<double>(p, z, 1, 4);
        var e = Math.Exp(-1);
        TensorAssert.Close([1 / (2 + e), 1 / (2 + e), 0, e / (2 + e)], p, 1e-12, 1e-300, "softmax");
    }
}
