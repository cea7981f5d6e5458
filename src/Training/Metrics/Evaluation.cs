namespace Amber.Training.Metrics;

/// <summary>
/// Computes the metrics of SPEC-AMBER.md overall and per ambiguity tertile. Predictions and references are [N, C] rows
/// of class distributions; ids break ties of the ambiguity ranking in ordinal order.
/// </summary>
public static class Evaluation
{
    /// <summary>Metrics overall and per level; <paramref name="hardLabels"/> (optional, [N]) adds the hard-label accuracy.</summary>
    public static EvaluationReport Evaluate(ReadOnlySpan<float> predicted, ReadOnlySpan<float> reference, int classes,
        IReadOnlyList<string> ids, ReadOnlySpan<int> hardLabels = default)
    {
        var n = Validate(predicted, reference, classes, ids, hardLabels);
        var levels = Levels(reference, classes, ids);
        var all = new List<int>(n);
        var byLevel = new[] { new List<int>(), new List<int>(), new List<int>() };
        for (var i = 0; i < n; i++)
        {
            all.Add(i);
            byLevel[(int)levels[i]].Add(i);
        }
        return new EvaluationReport(
            Compute(predicted, reference, classes, all, hardLabels),
            Compute(predicted, reference, classes, byLevel[0], hardLabels),
            Compute(predicted, reference, classes, byLevel[1], hardLabels),
            Compute(predicted, reference, classes, byLevel[2], hardLabels),
            levels);
    }

    /// <summary>
    /// The ambiguity level of each sample: rank by normalised entropy (rounded to 12 decimals) ascending, ties by id
    /// (ordinal); rank r is low if
    /// r &lt; N/3, medium if r &lt; 2N/3, else high.
    /// </summary>
    public static AmbiguityLevel[] Levels(ReadOnlySpan<float> reference, int classes, IReadOnlyList<string> ids)
    {
        var n = reference.Length / classes;
        var entropy = new double[n];
        for (var i = 0; i < n; i++)
        {
            entropy[i] = AmbiguityKey(reference.Slice(i * classes, classes));
        }
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var byEntropy = entropy[a].CompareTo(entropy[b]);
            return byEntropy != 0 ? byEntropy : string.CompareOrdinal(ids[a], ids[b]);
        });
        var levels = new AmbiguityLevel[n];
        for (var rank = 0; rank < n; rank++)
        {
            // Compare 3r with N rather than r with N/3 so the cut is exact in integers.
            levels[order[rank]] = 3L * rank < n ? AmbiguityLevel.Low : 3L * rank < 2L * n ? AmbiguityLevel.Medium : AmbiguityLevel.High;
        }
        return levels;
    }

    /// <summary>The metrics on the samples listed in <paramref name="rows"/>.</summary>
    public static MetricValues Compute(ReadOnlySpan<float> predicted, ReadOnlySpan<float> reference, int classes,
        IReadOnlyList<int> rows, ReadOnlySpan<int> hardLabels = default)
    {
        var accumulator = new MetricAccumulator(classes);
        foreach (var i in rows)
        {
            accumulator.Add(predicted.Slice(i * classes, classes), reference.Slice(i * classes, classes),
                hardLabels.IsEmpty ? null : hardLabels[i]);
        }
        return accumulator.ToValues();
    }

    /// <summary>
    /// The ranking key of a reference for the ambiguity tertiles: its normalised entropy rounded to 12 decimals, so that
    /// permuted vote patterns (equal entropy, different summation order) tie and fall to the id.
    /// </summary>
    public static double AmbiguityKey(ReadOnlySpan<float> reference) => Math.Round(RowMetrics.NormalizedEntropy(reference), 12);

    private static int Validate(ReadOnlySpan<float> predicted, ReadOnlySpan<float> reference, int classes,
        IReadOnlyList<string> ids, ReadOnlySpan<int> hardLabels)
    {
        if (classes < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "Evaluation needs at least 2 classes.");
        }
        if (predicted.Length != reference.Length || reference.Length % classes != 0)
        {
            throw new ArgumentException($"Evaluation: predicted has {predicted.Length} values and reference {reference.Length}; both must be [N, {classes}].");
        }
        var n = reference.Length / classes;
        if (ids.Count != n)
        {
            throw new ArgumentException($"Evaluation: {ids.Count} utterance ids for {n} samples; expected one id per sample.");
        }
        if (!hardLabels.IsEmpty && hardLabels.Length != n)
        {
            throw new ArgumentException($"Evaluation: {hardLabels.Length} hard labels for {n} samples; expected one per sample.");
        }
        for (var i = 0; i < n; i++)
        {
            CheckRow(predicted.Slice(i * classes, classes), "predicted", i, ids[i]);
            CheckRow(reference.Slice(i * classes, classes), "reference", i, ids[i]);
        }
        return n;
    }

    private static void CheckRow(ReadOnlySpan<float> row, string field, int index, string id)
    {
        var sum = 0.0;
        for (var c = 0; c < row.Length; c++)
        {
            if (!float.IsFinite(row[c]) || row[c] < 0)
            {
                throw new ArgumentException($"Evaluation: {field} row {index} (utterance '{id}') class {c} is {row[c]}; expected a finite probability ≥ 0.");
            }
            sum += row[c];
        }
        if (Math.Abs(sum - 1.0) > 1e-3)
        {
            throw new ArgumentException($"Evaluation: {field} row {index} (utterance '{id}') sums to {sum:G6}; expected a distribution summing to 1.");
        }
    }
}
