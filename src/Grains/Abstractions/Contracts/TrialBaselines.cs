using System.Text.Json;

namespace Amber.Grains.Contracts;

/// <summary>
/// Which trial a trial is compared with: the trial whose method is <c>ce</c> (the hard-label baseline of SPEC-AMBER.md) and
/// whose other parameters are all the same. The summary file, the API and the dashboard all pair trials this way.
/// </summary>
public static class TrialBaselines
{
    /// <summary>The baseline method.</summary>
    public const string BaselineMethod = "ce";

    /// <summary>Trial id → its baseline trial's id, for every trial that has one (never a <c>ce</c> trial itself).</summary>
    /// <param name="trials">Trial ids with their parameters as JSON objects (<c>TrialParameters.ToJson()</c>).</param>
    public static IReadOnlyDictionary<string, string> For(IEnumerable<(string TrialId, string ParametersJson)> trials)
    {
        var described = trials.Select(t => (t.TrialId, Describe(t.ParametersJson))).ToList();
        var baselines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, (method, others)) in described)
            if (method == BaselineMethod) baselines.TryAdd(others, id);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, (method, others)) in described)
            if (method != BaselineMethod && baselines.TryGetValue(others, out var baseline)) map[id] = baseline;
        return map;
    }

    /// <summary>The method, and every other parameter as sorted "key=json" lines.</summary>
    private static (string? Method, string Others) Describe(string json)
    {
        using var doc = JsonDocument.Parse(json);
        string? method = null;
        var others = new List<string>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "method") method = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
            else others.Add($"{p.Name}={p.Value.GetRawText()}");
        }
        others.Sort(StringComparer.Ordinal);
        return (method, string.Join("\n", others));
    }
}
