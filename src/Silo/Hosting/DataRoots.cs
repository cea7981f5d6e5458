using Amber.Grains.Specs;

namespace Amber.Silo.Hosting;

/// <summary>
/// The folders a submitted sweep may read from. Every path in a spec (<c>corpus: iemocap:|msp:|synthetic:&lt;path&gt;</c>,
/// <c>features: npy:&lt;dir&gt;</c>, <c>labels.extra_votes</c>) must resolve inside one of them; anything else is refused
/// at submission with the field named, so nothing submitted through the API reads files the operator did not offer.
/// </summary>
public sealed class DataRoots
{
    private readonly string[] roots;

    /// <summary>Roots as given (made absolute against the current directory).</summary>
    public DataRoots(IEnumerable<string> roots) =>
        this.roots = roots.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct().ToArray();

    /// <summary>The absolute roots.</summary>
    public IReadOnlyList<string> Roots => roots;

    /// <summary>Field → problems for every path of <paramref name="spec"/> outside the roots (empty when all are inside).</summary>
    public Dictionary<string, string[]> Check(SweepSpec spec)
    {
        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Require(string field, string? path)
        {
            if (path is null) return;
            if (!Contains(path))
                problems[field] = [roots.Length == 0
                    ? $"'{path}' is not readable: this silo has no data roots (start it with --data-root <dir>)"
                    : $"'{path}' is outside the silo's data roots ({string.Join(", ", roots)})"];
        }
        Require("corpus", PathOf(spec.Corpus, "iemocap", "msp", "synthetic"));
        Require("features", PathOf(spec.Features, "npy"));
        Require("labels.extra_votes", spec.Labels.TryGetValue("extra_votes", out var votes) ? votes : null);
        return problems;
    }

    /// <summary>True when <paramref name="path"/> resolves inside a root (after '..' and symbolic links in existing parts).</summary>
    public bool Contains(string path)
    {
        if (path.IndexOfAny(['\0']) >= 0) return false;
        string full;
        try
        {
            full = Resolve(Path.GetFullPath(path));
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return false;
        }
        return roots.Any(root => full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    private static string? PathOf(string value, params string[] schemes)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return null;
        return schemes.Contains(value[..colon], StringComparer.OrdinalIgnoreCase) ? value[(colon + 1)..] : null;
    }

    // A link inside a root may point anywhere: every existing part of the path is replaced by what it links to.
    private static string Resolve(string full)
    {
        string root = Path.GetPathRoot(full) ?? "/";
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var info = new FileInfo(next);
            current = info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next : next;
        }
        return Path.TrimEndingDirectorySeparator(current);
    }
}
