namespace Amber.Storage.Blobs;

/// <summary>Blob names: '/'-separated relative paths, checked before any store touches them.</summary>
public static class BlobName
{
    /// <summary>Longest name accepted (Azure's limit is 1,024 characters).</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the rule that <paramref name="name"/> breaks: empty, too long,
    /// absolute (leading '/' or a drive letter), a backslash, an empty, '.' or '..' segment, or a control character.
    /// These rules stop path traversal out of a filesystem store's root and keep names portable to Azure.
    /// </summary>
    public static string Validate(string name, string paramName = "name")
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("blob name is empty", paramName);
        if (name.Length > MaxLength) throw new ArgumentException($"blob name is {name.Length} characters; at most {MaxLength} are allowed", paramName);
        if (name[0] == '/') throw new ArgumentException($"blob name '{name}' is absolute; names are relative paths such as 'results/s1/metrics.parquet'", paramName);
        if (name.Length >= 2 && name[1] == ':') throw new ArgumentException($"blob name '{name}' looks like a drive path; names are relative paths", paramName);
        foreach (char c in name)
        {
            if (char.IsControl(c)) throw new ArgumentException($"blob name '{Escape(name)}' contains control character U+{(int)c:X4}", paramName);
            if (c == '\\') throw new ArgumentException($"blob name '{name}' contains '\\'; use '/' to separate segments", paramName);
        }
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0) throw new ArgumentException($"blob name '{name}' has an empty segment ('//' or a trailing '/')", paramName);
            if (segment is "." or "..") throw new ArgumentException($"blob name '{name}' has a '{segment}' segment; path traversal is not allowed", paramName);
        }
        return name;
    }

    private static string Escape(string s) => string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));
}
