namespace Amber.Bench;

/// <summary>
/// One benchmark run by `./bench.sh &lt;name&gt;`. It measures this project's side; the reference side (PyTorch, DuckDB, …)
/// is run by the matching `bench/run-&lt;name&gt;.sh` in the same invocation, which prints the final ratio line.
/// </summary>
public interface IBenchmark
{
    /// <summary>The name used on the command line (`training`, `parquet`, `scheduler`, …).</summary>
    string Name { get; }

    /// <summary>Runs the benchmark; <paramref name="args"/> are the arguments after the name. Returns the exit code.</summary>
    Task<int> RunAsync(string[] args);
}
