namespace Amber.Data.Corpora;

/// <summary>
/// Input that does not follow its format. The message names the file, the 1-based line, the line itself, the field,
/// the value found and what was expected, so a user can fix the file without a debugger.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the error; <paramref name="line"/> is 0 when the problem is not tied to a line.</summary>
    public DataFormatException(string file, int line, string? lineText, string field, string? value, string expected, string? hint = null)
        : base(Compose(file, line, lineText, field, value, expected, hint))
    {
        File = file;
        Line = line;
        LineText = lineText;
        Field = field;
        Value = value;
        Expected = expected;
    }

    /// <summary>Path of the offending file.</summary>
    public string File { get; }

    /// <summary>1-based line number, or 0.</summary>
    public int Line { get; }

    /// <summary>The offending line's text, if any.</summary>
    public string? LineText { get; }

    /// <summary>The field being read.</summary>
    public string Field { get; }

    /// <summary>The value found.</summary>
    public string? Value { get; }

    /// <summary>What the format requires.</summary>
    public string Expected { get; }

    /// <summary>
    /// The error without the offending value or line: file, line, field and what was expected. This is what may leave
    /// the process (a run's failure reason shown by the API), since the value and the line are the file's content.
    /// </summary>
    public string PublicMessage => $"{(Line > 0 ? $"{File}:{Line}" : File)}: field '{Field}': expected {Expected}";

    private static string Compose(string file, int line, string? lineText, string field, string? value, string expected, string? hint)
    {
        var where = line > 0 ? $"{file}:{line}" : file;
        var text = $"{where}: field '{field}'";
        if (value is not null) text += $" has value '{Shorten(value)}'";
        text += $"; expected {expected}.";
        if (lineText is not null) text += $"\n  line: {Shorten(lineText)}";
        if (hint is not null) text += $"\n  hint: {hint}";
        return text;
    }

    private static string Shorten(string s)
    {
        s = s.Replace("\t", "<TAB>", StringComparison.Ordinal);
        return s.Length <= 200 ? s : s[..200] + "…";
    }
}
