namespace Amber.Grains.Specs;

/// <summary>One thing wrong with a sweep document.</summary>
/// <param name="Path">Dotted path in the document ("budget.max_trials", "space.lr.low").</param>
/// <param name="Line">1-based line in the source, or 0 when the problem is about a missing key.</param>
/// <param name="Message">What is wrong and what was expected.</param>
public sealed record SpecProblem(string Path, int Line, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Line > 0 ? $"{Path} (line {Line}): {Message}" : $"{Path}: {Message}";
}

/// <summary>A sweep document was refused. <see cref="Problems"/> lists every problem found, not just the first.</summary>
public sealed class SweepSpecException(string source, IReadOnlyList<SpecProblem> problems)
    : FormatException($"sweep spec {source} has {problems.Count} problem(s):{Environment.NewLine}  " +
                      string.Join(Environment.NewLine + "  ", problems))
{
    /// <summary>The file name or "request body".</summary>
    public string DocumentName { get; } = source;

    /// <summary>Every problem, in document order.</summary>
    public IReadOnlyList<SpecProblem> Problems { get; } = problems;
}
