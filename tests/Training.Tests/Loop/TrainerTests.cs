using Amber.Training.Checkpoints;
using Amber.Training.Losses;
using Amber.Training.Model;
using Amber.Training.Tests.Support;
using Xunit.Abstractions;

namespace Amber.Training.Tests.Loop;

/// <summary>The training loop: determinism, checkpoints and resume, allocation, data-parallel slicing, learning.</summary>
public sealed class TrainerTests(ITestOutputHelper output)
{
    private static readonly TrainingData Train = Synthetic.Make(400, 12, 10, seed: 1, "train");
    private static readonly TrainingData Validation = Synthetic.Make(120, 12, 10, seed: 2, "val");
    private static readonly ModelConfig Model = new(12, 10, Hidden: 32, Classes: 4, Dropout: 0.2);

    private static TrainerOptions Options(int epochs, ulong seed = 5) =>
        new(BatchSize: 32, MaxEpochs: epochs, Patience: 0, Seed: seed, LearningRate: 3e-3);

    [Fact]
    public void Same_seed_gives_bit_identical_parameters()
    {
        var a = Trainer.Fit(Train, Validation, Model, new LossConfig(), Options(3));
        var b = Trainer.Fit(Train, Validation, Model, new LossConfig(), Options(3));
        Assert.Equal(a.Model.Parameters, b.Model.Parameters);
        var c = Trainer.Fit(Train, Validation, Model, new LossConfig(), Options(3, seed: 6));
        Assert.NotEqual(a.Model.Parameters, c.Model.Parameters);
    }

    [Theory]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Sgd)]
    public void Save_load_continue_equals_training_straight_through(OptimizerKind optimizer)
    {
        var options = Options(4) with { Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Sgd ? 3e-2 : 3e-3 };
        var straight = TrainingSession.Create(Train, Validation, Model, new LossConfig(), options);
        for (var e = 0; e < 4; e++)
        {
            straight.RunEpoch();
        }
        var first = TrainingSession.Create(Train, Validation, Model, new LossConfig(), options);
        first.RunEpoch();
        first.RunEpoch();
        using var checkpoint = new MemoryStream();
        first.SaveCheckpoint(checkpoint);
        checkpoint.Position = 0;
        var resumed = TrainingSession.Resume(checkpoint, Train, Validation, Model, new LossConfig(), options);
        Assert.Equal(2, resumed.EpochsCompleted);
        resumed.RunEpoch();
        resumed.RunEpoch();
        Assert.Equal(straight.CurrentModel.Parameters, resumed.CurrentModel.Parameters);
        Assert.Equal(straight.Curves.Select(c => c.ValidationJs), resumed.Curves.Select(c => c.ValidationJs));
        Assert.Equal(straight.Complete().Model.Parameters, resumed.Complete().Model.Parameters);
    }

    [Fact]
    public void A_checkpoint_of_another_layout_is_refused_with_a_clear_message()
    {
        var session = TrainingSession.Create(Train, Validation, Model, new LossConfig(LossMethod.CrossEntropy), Options(1));
        using var checkpoint = new MemoryStream();
        session.SaveCheckpoint(checkpoint);
        checkpoint.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() =>
            TrainingSession.Resume(checkpoint, Train, Validation, Model, new LossConfig(LossMethod.Amber2), Options(1), "fold3.ckpt"));
        Assert.Contains("fold3.ckpt", error.Message);
        Assert.Contains("parameter layout", error.Message);
        Assert.Contains("speech.head.weight", error.Message);
    }

    [Fact]
    public void A_checkpoint_records_the_random_state_and_a_run_with_another_seed_or_batch_refuses_it()
    {
        var session = TrainingSession.Create(Train, Validation, Model, new LossConfig(), Options(3, seed: 7));
        session.RunEpoch();
        using var checkpoint = new MemoryStream();
        session.SaveCheckpoint(checkpoint);
        var state = CheckpointFormat.Read(new MemoryStream(checkpoint.ToArray()), "c").Trainer!;
        Assert.Equal(new RandomState(7, "permutation", 32, session.StepsPerEpoch), state.Randomness);

        var seed = Assert.Throws<InvalidDataException>(() => TrainingSession.Resume(new MemoryStream(checkpoint.ToArray()), Train, Validation, Model,
            new LossConfig(), Options(3, seed: 8), "e1.ckpt"));
        Assert.Contains("seed 7", seed.Message);
        Assert.Contains("seed 8", seed.Message);
        Assert.Throws<InvalidDataException>(() => TrainingSession.Resume(new MemoryStream(checkpoint.ToArray()), Train, Validation, Model,
            new LossConfig(), Options(3, seed: 7) with { BatchSize = 16 }, "e1.ckpt"));
        Assert.Equal(1, TrainingSession.Resume(new MemoryStream(checkpoint.ToArray()), Train, Validation, Model, new LossConfig(), Options(3, seed: 7)).EpochsCompleted);
    }

    [Fact]
    public void A_corrupt_or_foreign_checkpoint_is_refused()
    {
        var model = new AmberModel(Model, new LossConfig());
        using var stream = new MemoryStream();
        model.Save(stream);
        var bytes = stream.ToArray();
        bytes[bytes.Length / 2] ^= 0x40;
        var corrupt = Assert.Throws<InvalidDataException>(() => AmberModel.Load(new MemoryStream(bytes)));
        Assert.Contains("checksum", corrupt.Message);
        var foreign = Assert.Throws<InvalidDataException>(() => AmberModel.Load(new MemoryStream("PK\u0003\u0004 not a checkpoint"u8.ToArray())));
        Assert.Contains("AMBRCKPT", foreign.Message);
    }

    [Fact]
    public void A_saved_model_predicts_the_same_after_loading()
    {
        var result = Trainer.Fit(Train, Validation, Model, new LossConfig(), Options(2));
        var path = Path.Combine(Path.GetTempPath(), $"amber-model-{Guid.NewGuid():N}.ckpt");
        try
        {
            CheckpointFormat.WriteFileAtomically(path, result.Model.Save);
            using var file = File.OpenRead(path);
            var loaded = AmberModel.Load(file);
            var before = result.Model.Predict(Validation.Speech, Validation.Text);
            var after = loaded.Predict(Validation.Speech, Validation.Text);
            Assert.Equal(before.Student, after.Student);
            Assert.Equal(before.SpeechExpert, after.SpeechExpert);
            Assert.Equal(Validation.Count, after.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_training_step_allocates_nothing_after_warm_up()
    {
        var session = TrainingSession.Create(Train, Validation, Model, new LossConfig(), Options(1));
        int[] rows = [.. Enumerable.Range(0, 32)];
        for (var i = 0; i < 5; i++)
        {
            session.TrainStep(rows);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            session.TrainStep(rows);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Summed_gradients_of_batch_slices_equal_the_whole_batch_gradient()
    {
        // Two "ranks" take rows [0, 13) and [13, 32) of one global batch, normalise by 32, and sum: one worker's gradient.
        var loss = new LossConfig();
        var config = new ModelConfig(12, 10, 16, 4, Dropout: 0.2);
        var whole = new AmberNetwork<double>(config, loss, 32, seed: 4);
        var part = new AmberNetwork<double>(config, loss, 32, seed: 4);
        var speech = Array.ConvertAll(Train.Speech[..(32 * 12)], v => (double)v);
        var text = Array.ConvertAll(Train.Text[..(32 * 10)], v => (double)v);
        var soft = Array.ConvertAll(Train.Soft[..(32 * 4)], v => (double)v);
        var hard = Train.Hard[..32];
        whole.ZeroGradients();
        whole.Forward(speech, text, 32, new DropoutContext(true, 0, 9, 3, 0));
        whole.LossAndBackward(speech, text, soft, hard, 1.0 / 32, backward: true);
        var sum = new double[part.Gradients.Length];
        foreach (var (lo, hi) in new[] { (0, 13), (13, 32) })
        {
            part.ZeroGradients();
            part.Forward(speech.AsSpan(lo * 12, (hi - lo) * 12), text.AsSpan(lo * 10, (hi - lo) * 10), hi - lo, new DropoutContext(true, 0, 9, 3, lo));
            part.LossAndBackward(speech.AsSpan(lo * 12), text.AsSpan(lo * 10), soft.AsSpan(lo * 4), hard.AsSpan(lo), 1.0 / 32, backward: true);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += part.Gradients[i];
            }
        }
        TensorAssert.Close(whole.Gradients, sum, 1e-10, 1e-13, "rank-summed gradient");
    }

    [Theory]
    [InlineData("amber2")]
    [InlineData("amber2_uniform")]
    [InlineData("ce")]
    [InlineData("soft")]
    [InlineData("js_entropy")]
    [InlineData("late_fusion")]
    public void Every_method_learns_the_synthetic_problem(string method)
    {
        var loss = LossConfig.ForMethod(method);
        var start = TrainingSession.Create(Train, Validation, Model, loss, Options(1));
        var initialJs = Evaluate(start.CurrentModel).Js;
        var result = Trainer.Fit(Train, Validation, Model, loss, Options(25));
        var final = Evaluate(result.Model);
        output.WriteLine($"{method}: js {initialJs:F4} -> {final.Js:F4}, bc {final.Bc:F4}, accuracy {final.Accuracy:F3}, best epoch {result.BestEpoch}");
        Assert.True(final.Js < 0.6 * initialJs, $"{method}: validation JS went from {initialJs:F4} to {final.Js:F4}; expected it to fall below 60 % of the start.");
        Assert.Equal(25, result.Curves.Count);
        Assert.Equal(result.Curves.Min(c => c.ValidationJs), result.BestValidationJs);
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement()
    {
        // At a learning rate of 1e-12 the validation JS stalls within a few epochs; whatever the best epoch is, the run
        // must end exactly `patience` epochs after it, well before the limit of 20.
        var options = Options(20) with { LearningRate = 1e-12, Patience = 3, WarmupFraction = 0 };
        var result = Trainer.Fit(Train, Validation, Model, new LossConfig(), options);
        Assert.True(result.StoppedEarly);
        Assert.Equal(result.BestEpoch + 3, result.Curves.Count);
    }

    private static Amber.Training.Metrics.MetricValues Evaluate(AmberModel model)
    {
        var prediction = model.Predict(Validation.Speech, Validation.Text);
        return Amber.Training.Metrics.Evaluation.Evaluate(prediction.Student, Validation.Soft, 4, Validation.Ids).Overall;
    }
}
