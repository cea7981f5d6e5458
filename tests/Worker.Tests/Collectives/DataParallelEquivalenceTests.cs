using Amber.Training;
using Amber.Training.Losses;
using Amber.Training.Model;
using Amber.Worker.Collectives;

namespace Amber.Worker.Tests.Collectives;

/// <summary>
/// Data-parallel training over the TCP ring (W ranks as threads, real sockets on 127.0.0.1) against one worker with the
/// same seed and global batch.
/// <para>
/// <b>Why not bitwise, and how close.</b> Rank r computes its rows' gradient contributions and the ring adds the W
/// partial sums; one worker adds the same B per-row contributions t₁ … t_B in another order (inside its GEMMs). Two
/// float evaluations of one sum in different orders each lie within γₙ·Σ|t_b| of the exact sum, γₙ = n·u/(1 − n·u),
/// u = 2⁻²⁴ (Higham, Accuracy and Stability of Numerical Algorithms, §4.2), so they differ by at most 2·γₙ·Σ|t_b|.
/// We take n = B + D, D the widest fan-in of the model, to cover the rounding inside each row's contribution as well.
/// </para>
/// <para>
/// One SGD step (momentum 0, no decay, no clipping) turns that into a bound on the parameters that holds without
/// assumptions: |θ_W − θ₁| ≤ lr·2·γ_{B+D}·S + 2u·|θ|, with S = Σ_b |t_b| measured per row and 2u·|θ| for the two runs
/// rounding θ − lr·g independently. <see cref="One_sgd_step_stays_within_the_summation_order_bound"/> checks it element
/// by element.
/// </para>
/// <para>
/// Over T AdamW steps only a first-order bound is possible: the update lr·m̂/(√v̂ + ε) changes by at most twice the
/// gradient's relative change, which is 2·γ_{B+D}·κ for a gradient element with condition number κ = Σ|t|/|Σt|, and each
/// step rounds θ once per run. With κ ≤ 100 assumed, |θ_W − θ₁| ≤ T·(2u·|θ| + lr·4·γ_{B+D}·100).
/// <see cref="Training_with_one_two_and_three_ranks_matches_one_worker"/> checks that; measured differences are 1–2 ulp
/// of the parameters, about 50× inside it, while a reducer that drops or doubles a rank, or ranks that split a batch
/// wrongly, miss it by orders of magnitude.
/// </para>
/// </summary>
public sealed class DataParallelEquivalenceTests
{
    private static readonly double Unit = Math.Pow(2, -24);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void One_sgd_step_stays_within_the_summation_order_bound(int world)
    {
        const int batch = 31; // divisible by neither 2 nor 3
        const double rate = 0.05;
        var model = new ModelConfig(12, 10, 16, 4, Dropout: 0);
        var train = SyntheticData.Make(batch, 12, 10, seed: 21, "t");
        var validation = SyntheticData.Make(8, 12, 10, seed: 22, "v");
        var options = new TrainerOptions(OptimizerKind.Sgd, LearningRate: rate, WeightDecay: 0, Momentum: 0, BatchSize: batch,
            MaxEpochs: 1, Patience: 0, WarmupFraction: 0, ClipNorm: 0, Seed: 4);
        var rows = Enumerable.Range(0, batch).ToArray();

        var single = TrainingSession.Create(train, validation, model, new LossConfig(), options);
        single.TrainStep(rows);
        var ranks = OnRanks(world, c =>
        {
            var session = TrainingSession.Create(train, validation, model, new LossConfig(), ForRank(options, c));
            session.TrainStep(rows);
            return session;
        });

        // S = Σ_b |t_b|: each row's contribution to the batch gradient, from a fresh session per row.
        var magnitude = new double[single.Gradients.Length];
        for (var row = 0; row < batch; row++)
        {
            var one = TrainingSession.Create(train, validation, model, new LossConfig(), options);
            one.TrainStep(train.Speech.AsSpan(row * 12, 12), train.Text.AsSpan(row * 10, 10), train.Soft.AsSpan(row * 4, 4),
                train.Hard.AsSpan(row, 1), globalBatchSize: batch, firstGlobalRow: row);
            for (var i = 0; i < magnitude.Length; i++)
            {
                magnitude[i] += Math.Abs(one.Gradients[i]);
            }
        }
        var fanIn = model.SpeechDim + model.TextDim + 2 * model.Hidden;
        var gamma = Gamma(batch + fanIn);
        var expected = single.CurrentModel.Parameters;
        var actual = ranks[0].CurrentModel.Parameters;
        for (var i = 0; i < expected.Length; i++)
        {
            var bound = rate * 2 * gamma * magnitude[i] + 2 * Unit * Math.Abs(expected[i]);
            Assert.True(Math.Abs(actual[i] - expected[i]) <= bound,
                $"parameter {i}: W = {world} gives {actual[i]:R}, one worker {expected[i]:R}; |Δ| = {Math.Abs(actual[i] - expected[i]):E2} > bound {bound:E2}");
        }
        AssertRanksIdentical(ranks);
    }

    [Theory]
    [InlineData(1, 32, 96)]
    [InlineData(2, 32, 96)]
    [InlineData(3, 32, 96)]
    [InlineData(2, 25, 96)] // three batches of 25 and one of 21
    [InlineData(3, 25, 96)]
    [InlineData(3, 32, 97)] // the last batch has one row: two ranks contribute nothing but still all-reduce
    public void Training_with_one_two_and_three_ranks_matches_one_worker(int world, int batch, int rows)
    {
        const int epochs = 3;
        const double rate = 3e-3;
        var model = new ModelConfig(12, 10, 16, 4, Dropout: 0.2);
        var train = SyntheticData.Make(rows, 12, 10, seed: 8, "t");
        var validation = SyntheticData.Make(16, 12, 10, seed: 9, "v");
        var options = new TrainerOptions(BatchSize: batch, MaxEpochs: epochs, Patience: 0, Seed: 3, LearningRate: rate);

        var single = TrainingSession.Create(train, validation, model, new LossConfig(), options);
        for (var e = 0; e < epochs; e++)
        {
            single.RunEpoch();
        }
        var ranks = OnRanks(world, c =>
        {
            var session = TrainingSession.Create(train, validation, model, new LossConfig(), ForRank(options, c));
            for (var e = 0; e < epochs; e++)
            {
                session.RunEpoch();
            }
            return session;
        });

        var expected = single.CurrentModel.Parameters;
        var actual = ranks[0].CurrentModel.Parameters;
        if (world == 1)
        {
            Assert.Equal(expected, actual); // a gang of one is the single worker, bit for bit
            return;
        }
        var steps = epochs * single.StepsPerEpoch;
        var gradientTerm = rate * 4 * Gamma(batch + model.SpeechDim + model.TextDim + 2 * model.Hidden) * 100;
        for (var i = 0; i < expected.Length; i++)
        {
            var bound = steps * (2 * Unit * Math.Abs(expected[i]) + gradientTerm);
            Assert.True(Math.Abs(actual[i] - expected[i]) <= bound,
                $"parameter {i}: W = {world} gives {actual[i]:R}, one worker {expected[i]:R}; |Δ| = {Math.Abs(actual[i] - expected[i]):E2} > bound {bound:E2}");
        }
        AssertRanksIdentical(ranks);
        Assert.Equal(single.Curves.Count, ranks[0].Curves.Count);
    }

    private static double Gamma(int n) => n * Unit / (1 - n * Unit);

    private static TrainerOptions ForRank(TrainerOptions options, ICollective collective) =>
        options with { Rank = collective.Rank, WorldSize = collective.WorldSize, Reducer = new CollectiveGradientReducer(collective) };

    private static void AssertRanksIdentical(TrainingSession[] ranks)
    {
        for (var r = 1; r < ranks.Length; r++)
        {
            Assert.Equal(ranks[0].CurrentModel.Parameters, ranks[r].CurrentModel.Parameters);
        }
    }

    /// <summary>Runs <paramref name="body"/> on W ranks of a ring (threads; a gang of one for W = 1).</summary>
    private static TrainingSession[] OnRanks(int world, Func<ICollective, TrainingSession> body)
    {
        using var gang = LocalGang.Form(world);
        var sessions = new TrainingSession[world];
        var errors = gang.OnEveryRank(c => sessions[c.Rank] = body(c));
        Assert.All(errors, Assert.Null);
        return sessions;
    }
}
