using System.Text.RegularExpressions;

namespace Amber.Cli.Commands;

/// <summary>
/// The sweep document <c>amber run</c> submits: the built-in default or quick sweep (the files <c>sweeps/default.yaml</c>
/// and <c>sweeps/quick.yaml</c>, embedded so the command works from any folder), or a user's file, with
/// <c>--corpus</c>/<c>--features</c> replacing the document's top-level keys.
/// </summary>
internal static partial class RunSweepText
{
    /// <summary>The embedded <c>sweeps/&lt;name&gt;.yaml</c>.</summary>
    public static string BuiltIn(string name)
    {
        using var stream = typeof(RunSweepText).Assembly.GetManifestResourceStream($"sweeps/{name}.yaml")
                           ?? throw new InvalidOperationException($"the built-in sweep '{name}' is missing from {typeof(RunSweepText).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Reads a sweep file; a missing file is an error naming the full path.</summary>
    public static string FromFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"--sweep {path}: file '{full}' does not exist; expected a sweep document (YAML or JSON, see sweeps/default.yaml)");
        return File.ReadAllText(full);
    }

    /// <summary>Sets a top-level scalar key (replacing it where present, else adding it first).</summary>
    public static string WithTopLevel(string text, string key, string value)
    {
        var quoted = Quote(value);
        var regex = new Regex($"^{Regex.Escape(key)}:[^\\r\\n]*", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        return regex.IsMatch(text) ? regex.Replace(text, $"{key}: {quoted}", 1) : $"{key}: {quoted}\n{text}";
    }

    /// <summary>Sets <c>protocol.folds</c> of a block-style sweep document to <paramref name="folds"/>.</summary>
    public static string WithFoldCount(string text, int folds)
    {
        var regex = new Regex(@"^(?<indent>[ \t]+)folds:[^\r\n]*", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        if (!regex.IsMatch(text)) throw new InvalidOperationException("the built-in sweep has no 'protocol.folds' line to adapt to the corpus's official splits");
        return regex.Replace(text, m => $"{m.Groups["indent"].Value}folds: {folds.ToString(System.Globalization.CultureInfo.InvariantCulture)}", 1);
    }

    // Paths may contain ':' or '#', which YAML would misread unquoted.
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
