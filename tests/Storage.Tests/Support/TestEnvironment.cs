using System.Diagnostics;
using System.Text.Json;

namespace Amber.Storage.Tests.Support;

/// <summary>Access to the real components test.sh installs and starts; missing ones fail the test with a hint.</summary>
internal static class TestEnvironment
{
    /// <summary>Value of a required environment variable.</summary>
    public static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException($"environment variable {variable} is not set: run ./test.sh (or `source scripts/test-services.sh; amber_install_npm; amber_start_azurite`)");
        return value;
    }

    /// <summary>tests/tools with its node_modules.</summary>
    public static string Tools
    {
        get
        {
            var tools = Require("AMBER_TEST_TOOLS");
            if (!Directory.Exists(Path.Combine(tools, "node_modules")))
                throw new InvalidOperationException($"{tools}/node_modules is missing: run ./test.sh (it runs npm ci in tests/tools)");
            return tools;
        }
    }

    /// <summary>Runs a Node script of tests/tools and parses its JSON output.</summary>
    public static JsonElement RunNodeJson(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = Tools, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(Tools, script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"node {script} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}");
        return JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "amber-storage-tests", Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
