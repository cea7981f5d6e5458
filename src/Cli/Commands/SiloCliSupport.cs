using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using Amber.Grains.Contracts;
using Amber.Worker.Execution;

namespace Amber.Cli.Commands;

/// <summary>What the silo, worker and sweep commands share: error reporting, tokens, the API client, executor lookup.</summary>
internal static class SiloCliSupport
{
    /// <summary>Runs a command body; known failures print one clear line on stderr and exit 2, never a stack trace.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or HttpRequestException or IOException or InvalidOperationException
                                       or KeyNotFoundException or UnauthorizedAccessException or System.Data.Common.DbException or OrleansException
                                       or Amber.Data.Corpora.DataFormatException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    /// <summary>The option's value, else the environment variable's, else an error naming both.</summary>
    public static string Required(string? value, string option, string variable) =>
        !string.IsNullOrEmpty(value) ? value
        : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } env ? env
        : throw new ArgumentException($"no {option}: pass {option} <token> or set {variable}");

    /// <summary>An HTTP client for the silo at <paramref name="url"/> with a bearer token.</summary>
    public static HttpClient Client(string url, string token)
    {
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--silo '{url}' is not an http(s) URL; expected e.g. http://127.0.0.1:5080");
        var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Throws with the silo's problem details (title, detail and each validation error) when the call failed.</summary>
    public static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode) return;
        string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var message = new System.Text.StringBuilder($"{what}: HTTP {(int)response.StatusCode}");
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.TryGetProperty("title", out var title)) message.Append(' ').Append(title.GetString());
            if (root.TryGetProperty("detail", out var detail)) message.Append(": ").Append(detail.GetString());
            if (root.TryGetProperty("errors", out var errors))
                foreach (var e in errors.EnumerateObject())
                    foreach (var m in e.Value.EnumerateArray())
                        message.Append(Environment.NewLine).Append("  ").Append(e.Name).Append(": ").Append(m.GetString());
        }
        catch (JsonException)
        {
            message.Append(": ").Append(body);
        }
        throw new HttpRequestException(message.ToString(), null, response.StatusCode);
    }

    /// <summary>
    /// The executor named <paramref name="name"/>: "noop", or the <see cref="IRunExecutor"/> class in Amber.Worker whose
    /// name starts with it (e.g. "training" → TrainingRunExecutor) and has a public parameterless constructor.
    /// </summary>
    public static IRunExecutor Executor(string name, TimeSpan noopEpoch = default)
    {
        if (name.Equals("noop", StringComparison.OrdinalIgnoreCase)) return new NoOpRunExecutor(epochs: noopEpoch > TimeSpan.Zero ? 3 : 1, epochDelay: noopEpoch);
        var candidates = typeof(IRunExecutor).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IRunExecutor).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .ToList();
        var match = candidates.FirstOrDefault(t => t.Name.StartsWith(name, StringComparison.OrdinalIgnoreCase))
                    ?? throw new ArgumentException($"--executor '{name}' is unknown; available: {string.Join(", ", candidates.Select(t => ShortName(t.Name)).Append("noop"))}");
        return (IRunExecutor)Activator.CreateInstance(match)!;
    }

    private static string ShortName(string typeName) =>
        (typeName.EndsWith("RunExecutor", StringComparison.Ordinal) ? typeName[..^"RunExecutor".Length] : typeName).ToLowerInvariant();

    /// <summary>Tokens from a comma-separated environment variable plus repeated options.</summary>
    public static IReadOnlyList<string> Tokens(IEnumerable<string>? options, string variable) =>
        (options ?? []).Concat((Environment.GetEnvironmentVariable(variable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Assembly informational version, for the startup banner.</summary>
    public static string Version => typeof(SiloCliSupport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
}
