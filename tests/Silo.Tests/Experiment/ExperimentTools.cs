using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Amber.Cli.Commands;

namespace Amber.Silo.Tests.Experiment;

/// <summary>What the experiment tests run outside the test process: the built <c>amber</c> CLI and DuckDB (Node).</summary>
public static class ExperimentTools
{
    /// <summary>The output of one CLI invocation.</summary>
    public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs <c>amber &lt;args&gt;</c> (the amber.dll built next to the tests) in <paramref name="workingDirectory"/>.</summary>
    public static async Task<CliResult> AmberAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(typeof(RunCommand).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"amber {string.Join(' ', args)} did not finish within {timeout}: {await stdout}{await stderr}");
        }
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Runs <c>duckdb-results.mjs</c> (next to this file) with DuckDB from <c>$AMBER_TEST_TOOLS</c> over a results folder
    /// and parses its JSON. The script goes through <c>--eval</c> so that its imports resolve from the tools folder.
    /// </summary>
    public static JsonElement DuckDbResults(string resultsFolder)
    {
        var tools = Environment.GetEnvironmentVariable("AMBER_TEST_TOOLS");
        if (string.IsNullOrWhiteSpace(tools) || !Directory.Exists(Path.Combine(tools, "node_modules", "@duckdb")))
            throw new InvalidOperationException("AMBER_TEST_TOOLS is not set or has no node_modules/@duckdb: run ./test.sh (it installs tests/tools)");
        var psi = new ProcessStartInfo("node") { WorkingDirectory = tools, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--input-type=module");
        psi.ArgumentList.Add("--eval");
        psi.ArgumentList.Add(File.ReadAllText(Path.Combine(SourceFolder(), "duckdb-results.mjs")));
        psi.Environment["AMBER_RESULTS_DIR"] = resultsFolder;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"duckdb-results.mjs exited {p.ExitCode}: {stderr.Result}");
        return JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class ExperimentTempDir : IDisposable
{
    public ExperimentTempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "amber-experiment-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
