using Amber.Training.Numerics;
using Amber.Training.Tests.Support;

namespace Amber.Training.Tests.Numerics;

/// <summary>OpenBLAS and the managed kernel against a plain triple loop in double, for every transpose and with strides.</summary>
public sealed class GemmTests
{
    public static TheoryData<bool, bool, int, int, int> Shapes() => new()
    {
        { false, false, 7, 9, 5 }, { false, true, 32, 33, 70 }, { true, false, 19, 40, 32 }, { true, true, 3, 17, 11 },
        { false, true, 1, 4, 256 }, { true, false, 64, 8, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Blas_and_managed_match_a_scalar_reference(bool transA, bool transB, int m, int n, int k)
    {
        var random = new Random(m * 31 + n * 7 + k);
        var lda = (transA ? m : k) + 3;
        var ldb = (transB ? k : n) + 2;
        var ldc = n + 1;
        var a = Enumerable.Range(0, (transA ? k : m) * lda).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, (transB ? n : k) * ldb).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var c0 = Enumerable.Range(0, m * ldc).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        const float alpha = 0.75f, beta = 0.5f;

        var expected = new double[m * ldc];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < ldc; j++)
            {
                if (j >= n)
                {
                    expected[i * ldc + j] = c0[i * ldc + j]; // padding columns are never touched
                    continue;
                }
                var s = 0.0;
                for (var p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    s += av * bv;
                }
                expected[i * ldc + j] = alpha * s + beta * c0[i * ldc + j];
            }
        }
        var expectedFloat = Array.ConvertAll(expected, v => (float)v);

        var managed = (float[])c0.Clone();
        Gemm.Managed(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, managed, ldc);
        TensorAssert.Close(expectedFloat, managed, 1e-5, 1e-5, "managed sgemm");

        Assert.True(OpenBlas.IsAvailable, "OpenBLAS (Debian libopenblas0-pthread) is expected on the test machines.");
        var blas = (float[])c0.Clone();
        Gemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, blas, ldc);
        TensorAssert.Close(expectedFloat, blas, 1e-5, 1e-5, "OpenBLAS sgemm");
        TensorAssert.Close(managed, blas, 1e-5, 1e-5, "managed vs OpenBLAS");
    }

    [Fact]
    public void Double_precision_uses_dgemm_and_matches_the_managed_kernel()
    {
        double[] a = [1, 2, 3, 4, 5, 6];      // [2, 3]
        double[] b = [1, 0, 0, 1, 1, 1];      // [3, 2]
        var blas = new double[4];
        var managed = new double[4];
        Gemm.Multiply(false, false, 2, 2, 3, 1.0, a, 3, b, 2, 0.0, blas, 2);
        Gemm.Managed(false, false, 2, 2, 3, 1.0, a, 3, b, 2, 0.0, managed, 2);
        Assert.Equal([4.0, 5.0, 10.0, 11.0], blas);
        Assert.Equal(blas, managed);
    }

    [Fact]
    public void An_operand_too_short_for_its_shape_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, 4, 4, 4, 1f, new float[15], 4, new float[16], 4, 0f, new float[16], 4));
        Assert.Contains("operand A", error.Message);
        Assert.Contains("needs 16", error.Message);
    }
}

/// <summary>Training end to end on the managed kernels gives the OpenBLAS result within float tolerance.</summary>
public sealed class ManagedTrainingTests
{
    [Fact]
    public void Training_with_managed_gemm_matches_training_with_openblas()
    {
        var train = Support.Synthetic.Make(128, 12, 10, seed: 4, "t");
        var validation = Support.Synthetic.Make(32, 12, 10, seed: 5, "v");
        var model = new Amber.Training.Model.ModelConfig(12, 10, 24, 4);
        var options = new Amber.Training.TrainerOptions(MaxEpochs: 2, Patience: 0, Seed: 2);
        var blas = Amber.Training.Trainer.Fit(train, validation, model, new(), options);
        Gemm.ForceManaged = true;
        try
        {
            var managed = Amber.Training.Trainer.Fit(train, validation, model, new(), options);
            Support.TensorAssert.Close(blas.Model.Parameters, managed.Model.Parameters, 1e-3, 1e-5, "managed vs OpenBLAS parameters");
            Assert.Equal(blas.Curves[^1].ValidationJs, managed.Curves[^1].ValidationJs, 4);
        }
        finally
        {
            Gemm.ForceManaged = false;
        }
    }
}
