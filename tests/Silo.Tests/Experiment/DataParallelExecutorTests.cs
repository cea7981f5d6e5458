using System.Collections.Immutable;
using System.Net;
using Amber.Data.Synthetic;
using Amber.Grains.Contracts;
using Amber.Grains.Parameters;
using Amber.Storage.Blobs.FileSystem;
using Amber.Worker.Collectives;
using Amber.Worker.Execution;

namespace Amber.Silo.Tests.Experiment;

/// <summary>
/// The training executor as a gang of W ranks (threads of this process joined by the real TCP ring on 127.0.0.1): each
/// rank trains its share of every global batch, rank 0 alone reports, checkpoints and writes results, and the metrics
/// equal one worker's up to float summation order. The parameter-level bound (and its derivation) is tested in
/// Worker.Tests' DataParallelEquivalenceTests; here the end-to-end metrics must agree to 1e-4, far below what a rank that
/// drops or duplicates rows would give (those move the test metrics in the second or third digit).
/// </summary>
public sealed class DataParallelExecutorTests : IDisposable
{
    private readonly ExperimentTempDir dir = new();

    public void Dispose() => dir.Dispose();

    private TrainingRunExecutor Executor() => new(new TrainingExecutorOptions
    {
        WorkDirectory = Path.Combine(dir.Path, "work"),
        Synthetic = new SyntheticOptions { Utterances = 220, Seed = 3 },
        Collective = new CollectiveOptions(Timeout: TimeSpan.FromSeconds(30), ConnectTimeout: TimeSpan.FromSeconds(30)),
    });

    private static RunAssignment Assignment(GangInfo gang, int batch) => new("sw-dp", "sw-dp-t000", "sw-dp-t000-f2-s3", 0, 1, gang,
        new TrialParameters(new Dictionary<string, ParameterValue>
        {
            ["method"] = ParameterValue.Of("amber2"),
            ["max_epochs"] = ParameterValue.Of(4L),
            ["patience"] = ParameterValue.Of(0L),
            ["hidden"] = ParameterValue.Of(32L),
            ["batch_size"] = ParameterValue.Of((long)batch),
        }),
        new RunProtocol("synthetic", "builtin", ImmutableSortedDictionary<string, string>.Empty, 2, 5, 3, "random"), "sweeps/sw-dp/runs/r/a1/");

    [Theory]
    [InlineData(2, 32)]
    [InlineData(3, 32)] // 32 rows split 11 / 11 / 10: a batch that does not divide by W
    public async Task A_gang_trains_once_with_rank_0_reporting_and_ends_with_one_workers_metrics(int world, int batch)
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var single = new RecordingRunContext(blobs);
        var expected = await Executor().ExecuteAsync(Assignment(GangInfo.Single("w0"), batch), single, CancellationToken.None);

        var listeners = Enumerable.Range(0, world).Select(_ => RingListener.Start(IPAddress.Loopback)).ToArray();
        try
        {
            var endpoints = listeners.Select(l => l.Endpoint).ToList();
            var peers = Enumerable.Range(0, world).Select(r => $"w{r}").ToList();
            var contexts = Enumerable.Range(0, world).Select(rank => new RecordingRunContext(blobs, joinGang: options =>
                TcpRingCollective.ConnectAsync(listeners[rank], new GangMembership("sw-dp-t000-f2-s3/a1", rank, endpoints), options).GetAwaiter().GetResult())).ToArray();
            var outcomes = await Task.WhenAll(Enumerable.Range(0, world).Select(rank => Task.Run(() =>
                Executor().ExecuteAsync(Assignment(new GangInfo(world, rank, peers, endpoints), batch), contexts[rank], CancellationToken.None))));

            Assert.Equal(4, contexts[0].Epochs.Count);
            Assert.Equal([1, 2, 3], contexts[0].Checkpoints.Select(c => c.Epoch));
            for (int rank = 1; rank < world; rank++)
            {
                Assert.Empty(contexts[rank].Epochs);        // only rank 0 reports, checkpoints and commits
                Assert.Empty(contexts[rank].Checkpoints);
                Assert.Empty(outcomes[rank].Metrics);
                Assert.Empty(outcomes[rank].Artifacts);
            }
            Assert.Equal(expected.Metrics.Select(m => (m.Split, m.Level, m.Name)), outcomes[0].Metrics.Select(m => (m.Split, m.Level, m.Name)));
            foreach (var (a, b) in expected.Metrics.Zip(outcomes[0].Metrics))
                Assert.True(Math.Abs(a.Value - b.Value) <= 1e-4, $"{a.Level}/{a.Name}: W = 1 gives {a.Value:R}, W = {world} gives {b.Value:R}");
            // The validation curve too (every rank validates the same parameters, rank 0 reports).
            foreach (var (a, b) in single.Epochs.Zip(contexts[0].Epochs))
                Assert.True(Math.Abs(a.Values["val_js"] - b.Values["val_js"]) <= 1e-4, $"epoch {a.Epoch}: val_js {a.Values["val_js"]:R} vs {b.Values["val_js"]:R}");
        }
        finally
        {
            foreach (var l in listeners) l.Dispose();
        }
    }
}
