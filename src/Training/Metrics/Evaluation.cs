namespace Amber.Training.Metrics;

/// <summary>
/// Computes the metrics of SPEC-AMBER.md overall and per ambiguity tertile. Predictions and references are [N, C] rows
/// of class distributions; ids break ties of the ambiguity ranking in ordinal order.
/// </summary>
public static class Evaluation
{
    private const int Bins = 10;

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
            // Rounded so that permuted vote patterns (equal entropy, different summation order) tie and fall to the id.
            entropy[i] = Math.Round(RowMetrics.NormalizedEntropy(reference.Slice(i * classes, classes)), 12);
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
        var n = rows.Count;
        if (n == 0)
        {
            return MetricValues.Empty;
        }
        double bc = 0, js = 0, kl = 0, r2Sample = 0, hardCorrect = 0;
        var correct = 0;
        var ties = 0;
        var confusion = new long[classes, classes]; // [reference class, predicted class]
        var binCount = new long[Bins];
        var binGap = new double[Bins];
        var mean = new double[classes];
        foreach (var i in rows)
        {
            var p = predicted.Slice(i * classes, classes);
            var y = reference.Slice(i * classes, classes);
            bc += RowMetrics.Bhattacharyya(p, y);
            js += RowMetrics.JensenShannonBits(p, y);
            kl += RowMetrics.KlReferenceToPrediction(p, y);
            r2Sample += RowMetrics.SquaredPearson(p, y);
            var predictedClass = RowMetrics.ArgMax(p);
            var referenceClass = RowMetrics.ArgMax(y);
            var maxCount = 0;
            foreach (var v in y)
            {
                maxCount += v == y[referenceClass] ? 1 : 0;
            }
            ties += maxCount > 1 ? 1 : 0;
            var isCorrect = predictedClass == referenceClass;
            correct += isCorrect ? 1 : 0;
            confusion[referenceClass, predictedClass]++;
            if (!hardLabels.IsEmpty)
            {
                hardCorrect += hardLabels[i] == predictedClass ? 1 : 0;
            }
            double confidence = p[predictedClass];
            var bin = Math.Clamp((int)Math.Ceiling(confidence * Bins) - 1, 0, Bins - 1);
            binCount[bin]++;
            binGap[bin] += (isCorrect ? 1.0 : 0.0) - confidence;
            for (var c = 0; c < classes; c++)
            {
                mean[c] += y[c];
            }
        }
        var r2 = 0.0;
        for (var c = 0; c < classes; c++)
        {
            mean[c] /= n;
            double ssTot = 0, ssRes = 0;
            foreach (var i in rows)
            {
                double y = reference[i * classes + c], p = predicted[i * classes + c];
                ssTot += (y - mean[c]) * (y - mean[c]);
                ssRes += (y - p) * (y - p);
            }
            // scikit-learn's force_finite: a constant column scores 1 if predicted exactly, else 0.
            r2 += ssTot == 0 ? (ssRes == 0 ? 1.0 : 0.0) : 1.0 - ssRes / ssTot;
        }
        r2 /= classes;
        double f1Macro = 0, f1Weighted = 0;
        for (var c = 0; c < classes; c++)
        {
            long tp = confusion[c, c], support = 0, predictedCount = 0;
            for (var k = 0; k < classes; k++)
            {
                support += confusion[c, k];
                predictedCount += confusion[k, c];
            }
            var denominator = support + predictedCount; // = 2tp + fp + fn
            var f1 = denominator == 0 ? 0.0 : 2.0 * tp / denominator;
            f1Macro += f1;
            f1Weighted += f1 * support;
        }
        var ece = 0.0;
        for (var b = 0; b < Bins; b++)
        {
            ece += Math.Abs(binGap[b]) / n;
        }
        return new MetricValues(n, bc / n, js / n, kl / n, r2, r2Sample / n, (double)correct / n, f1Macro / classes,
            f1Weighted / n, ece, ties, hardLabels.IsEmpty ? double.NaN : hardCorrect / n);
    }

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
