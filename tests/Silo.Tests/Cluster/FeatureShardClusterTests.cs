using Amber.Data.Synthetic;
using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Silo.Hosting;
using Amber.Silo.Tests.Experiment;
using Amber.Storage.Blobs;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Results;
using Amber.Worker;
using Amber.Worker.Execution;
using Microsoft.Extensions.DependencyInjection;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// A silo and two training workers (the real <see cref="WorkerAgent"/> loop and executor, each with its own work folder)
/// run a small sweep: the sweep's feature set is planned, its shards are extracted by both workers, assembled, and then
/// every run trains on it and the summary is written.
/// </summary>
public sealed class FeatureShardClusterTests : IDisposable
{
    private readonly ExperimentTempDir dir = new();

    public void Dispose() => dir.Dispose();

    /// <summary>The training executor, recording which feature-set steps it did.</summary>
    private sealed class RecordingExecutor(TrainingRunExecutor inner) : IRunExecutor
    {
        public List<FeatureTask> Steps { get; } = [];

        public Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken) =>
            inner.ExecuteAsync(run, context, cancellationToken);

        public Task<FeatureTaskResult> PrepareFeaturesAsync(FeatureTask task, IBlobStore blobs, CancellationToken cancellationToken)
        {
            lock (Steps) Steps.Add(task);
            return inner.PrepareFeaturesAsync(task, blobs, cancellationToken);
        }
    }

    [Fact]
    public async Task Two_workers_extract_the_shards_then_train_every_run_on_the_assembled_set()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        await using var app = AmberSilo.Build(new AmberSiloOptions { Urls = "http://127.0.0.1:0", UserTokens = ["t0123456789abcdef"], Blobs = blobs, DataRoots = [dir.Path] });
        await app.StartAsync();
        var grains = app.Services.GetRequiredService<IClusterClient>();

        var executors = new[] { "a", "b" }.Select(name => new RecordingExecutor(new TrainingRunExecutor(new TrainingExecutorOptions
        {
            WorkDirectory = Path.Combine(dir.Path, name),
            Synthetic = new SyntheticOptions { Utterances = 260, Seed = 7 },
        }))).ToArray();
        using var stop = new CancellationTokenSource();
        var workers = executors.Select((e, i) => new WorkerAgent(grains, e, blobs, new WorkerAgentOptions
        {
            WorkerId = $"wk-{i}",
            Capabilities = new WorkerCapabilities($"test-{i}", Slots: 1),
            LongPoll = TimeSpan.FromSeconds(2),
        }).RunAsync(stop.Token)).ToList();

        string id = SweepIds.New(DateTimeOffset.UtcNow) + "-shards";
        var sweep = grains.GetGrain<ISweepGrain>(id);
        await sweep.SubmitAsync(new SweepSubmission($"""
            name: shards
            corpus: synthetic:{Path.Combine(dir.Path, "corpus")}
            features: builtin
            protocol:
              folds: 2
              seeds: [1]
            methods: [ce]
            space:
              max_epochs: 2
              hidden: 16
            budget:
              max_trials: 1
              max_parallel_runs: 2
            """, "test", DateTimeOffset.UtcNow));

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        SweepInfo info;
        while (!(info = (await sweep.GetAsync())!).Completed) await Task.Delay(200, deadline.Token);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Equal((2, 0, null), (info.Succeeded, info.Failed, info.CompletionError));
        var steps = executors.SelectMany((e, i) => e.Steps.Select(s => (Worker: i, s.Step, s.Index, s.SetKey))).ToList();
        Assert.Single(steps.Select(s => s.SetKey).Distinct());
        var shards = steps.Where(s => s.Step == FeatureStep.Shard).ToList();
        Assert.Single(steps, s => s.Step == FeatureStep.Plan);
        Assert.Single(steps, s => s.Step == FeatureStep.Assemble);
        Assert.True(shards.Count >= 2, $"{shards.Count} shard step(s)");
        Assert.Equal(shards.Count, shards.Select(s => s.Index).Distinct().Count());        // each shard extracted once
        Assert.Equal([0, 1], shards.Select(s => s.Worker).Distinct().Order());              // by both workers

        var set = await grains.GetGrain<IFeatureSetGrain>(executors.SelectMany(e => e.Steps).First().SetKey).GetAsync();
        Assert.Equal((FeatureSetStatus.Ready, shards.Count), (set.Status, set.ShardsDone));
        Assert.NotNull(await blobs.GetPropertiesAsync(ResultsLayout.Summary(id)));
        await app.StopAsync();
    }
}
