using Amber.Training.Losses;
using Amber.Training.Model;
using Amber.Training.Tests.Support;

namespace Amber.Training.Tests.Loop;

/// <summary>
/// The all-reduce hook: two in-process ranks (threads) with a summing reducer follow one worker with the same global batch.
/// </summary>
public sealed class DataParallelTests
{
    /// <summary>Sums the gradient buffers of <c>world</c> ranks in rank order, so every rank gets the identical sum.</summary>
    private sealed class InProcessReducer(int world) : IGradientReducer
    {
        private readonly Barrier _barrier = new(world);
        private readonly float[][] _buffers = new float[world][];
        private readonly ThreadLocal<int> _rank = new();

        public int Rank { set => _rank.Value = value; }

        public void AllReduce(Span<float> gradients)
        {
            var rank = _rank.Value;
            _buffers[rank] ??= new float[gradients.Length];
            gradients.CopyTo(_buffers[rank]);
            _barrier.SignalAndWait();
            for (var i = 0; i < gradients.Length; i++)
            {
                var sum = 0f;
                for (var r = 0; r < _buffers.Length; r++)
                {
                    sum += _buffers[r][i];
                }
                gradients[i] = sum;
            }
            _barrier.SignalAndWait();
        }

        private readonly double[][] _sums = new double[world][];

        public void SumInRankOrder(Span<double> values)
        {
            var rank = _rank.Value;
            _sums[rank] = values.ToArray();
            _barrier.SignalAndWait();
            for (var i = 0; i < values.Length; i++)
            {
                var sum = 0.0;
                for (var r = 0; r < _sums.Length; r++)
                {
                    sum += _sums[r][i];
                }
                values[i] = sum;
            }
            _barrier.SignalAndWait();
        }
    }

    [Fact]
    public void Two_ranks_with_a_summing_reducer_follow_one_worker()
    {
        var train = Synthetic.Make(96, 12, 10, seed: 8, "t");
        var validation = Synthetic.Make(16, 12, 10, seed: 9, "v");
        var model = new ModelConfig(12, 10, 16, 4, Dropout: 0.2);
        var options = new TrainerOptions(BatchSize: 32, MaxEpochs: 2, Patience: 0, Seed: 3, LearningRate: 3e-3);
        var single = TrainingSession.Create(train, validation, model, new LossConfig(), options);
        single.RunEpoch();

        var reducer = new InProcessReducer(2);
        var ranks = new TrainingSession[2];
        var threads = Enumerable.Range(0, 2).Select(rank => new Thread(() =>
        {
            reducer.Rank = rank;
            ranks[rank] = TrainingSession.Create(train, validation, model, new LossConfig(),
                options with { Rank = rank, WorldSize = 2, Reducer = reducer });
            ranks[rank].RunEpoch();
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }
        foreach (var t in threads)
        {
            t.Join();
        }
        Assert.Equal(ranks[0].CurrentModel.Parameters, ranks[1].CurrentModel.Parameters);
        TensorAssert.Close(single.CurrentModel.Parameters, ranks[0].CurrentModel.Parameters, 1e-3, 1e-5, "rank 0 vs one worker");
        // Each rank validated half of the rows; the sums were combined, so both report the whole set's metrics, identically.
        Assert.Equal(ranks[0].Curves.Select(c => (c.ValidationJs, c.ValidationLoss, c.ValidationBc)), ranks[1].Curves.Select(c => (c.ValidationJs, c.ValidationLoss, c.ValidationBc)));
        Assert.Equal(single.Curves[0].ValidationJs, ranks[0].Curves[0].ValidationJs, 1e-5);
        Assert.Equal(single.Curves[0].ValidationBc, ranks[0].Curves[0].ValidationBc, 1e-5);
        Assert.Equal(single.Curves[0].ValidationLoss, ranks[0].Curves[0].ValidationLoss, 1e-5);
    }
}
