namespace Amber.Training.Metrics;

/// <summary>
/// The metrics of SPEC-AMBER.md accumulated one sample at a time, in memory that does not grow with the samples: every
/// metric is a sum over samples except R², whose per-class total sum of squares is kept with Welford's update (mean and
/// squared deviations), so a constant column still gives exactly 0. <see cref="Evaluation.Compute"/> uses it for one set;
/// a sweep's pooled summary uses it to fold every run's predictions without holding them.
/// </summary>
public sealed class MetricAccumulator
{
    private const int Bins = 10;

    private readonly int classes;
    private int count;
    private double bc, js, kl, r2Sample;
    private int correct, ties, hardCorrect, hardCount;
    private readonly long[] confusion;     // [reference class, predicted class], C × C
    private readonly long[] binCount = new long[Bins];
    private readonly double[] binGap = new double[Bins];
    private readonly double[] mean;        // [C] running mean of y per class
    private readonly double[] squares;     // [C] Σ (y − mean)² per class (Welford)
    private readonly double[] residuals;   // [C] Σ (y − p)² per class

    /// <summary>An empty accumulator for distributions over <paramref name="classes"/> classes.</summary>
    public MetricAccumulator(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        this.classes = classes;
        confusion = new long[classes * classes];
        mean = new double[classes];
        squares = new double[classes];
        residuals = new double[classes];
    }

    /// <summary>Samples added so far.</summary>
    public int Count => count;

    /// <summary>
    /// Adds one sample: prediction <paramref name="p"/> and reference <paramref name="y"/> (each [C]); <paramref name="hardLabel"/>
    /// is the hard label's class index (−1: a consensus outside the classes, counted as wrong) or null when the sample has none.
    /// </summary>
    public void Add(ReadOnlySpan<float> p, ReadOnlySpan<float> y, int? hardLabel = null)
    {
        if (p.Length != classes || y.Length != classes)
        {
            throw new ArgumentException($"MetricAccumulator: a sample has {p.Length} predicted and {y.Length} reference values; expected {classes}.");
        }
        count++;
        bc += RowMetrics.Bhattacharyya(p, y);
        js += RowMetrics.JensenShannonBits(p, y);
        kl += RowMetrics.KlReferenceToPrediction(p, y);
        r2Sample += RowMetrics.SquaredPearson(p, y);
        int predictedClass = RowMetrics.ArgMax(p), referenceClass = RowMetrics.ArgMax(y);
        int atMaximum = 0;
        foreach (var v in y) atMaximum += v == y[referenceClass] ? 1 : 0;
        ties += atMaximum > 1 ? 1 : 0;
        bool isCorrect = predictedClass == referenceClass;
        correct += isCorrect ? 1 : 0;
        confusion[referenceClass * classes + predictedClass]++;
        if (hardLabel is { } hard)
        {
            hardCount++;
            hardCorrect += hard == predictedClass ? 1 : 0;
        }
        double confidence = p[predictedClass];
        int bin = Math.Clamp((int)Math.Ceiling(confidence * Bins) - 1, 0, Bins - 1);
        binCount[bin]++;
        binGap[bin] += (isCorrect ? 1.0 : 0.0) - confidence;
        for (int c = 0; c < classes; c++)
        {
            double delta = y[c] - mean[c];
            mean[c] += delta / count;
            squares[c] += delta * (y[c] - mean[c]);
            double residual = y[c] - (double)p[c];
            residuals[c] += residual * residual;
        }
    }

    /// <summary>
    /// The metrics of the samples added (<see cref="MetricValues.Empty"/> for none). Hard-label accuracy is NaN unless every
    /// sample came with a hard label.
    /// </summary>
    public MetricValues ToValues()
    {
        if (count == 0) return MetricValues.Empty;
        int n = count;
        double r2 = 0;
        for (int c = 0; c < classes; c++)
        {
            // scikit-learn's force_finite: a constant column scores 1 if predicted exactly, else 0.
            r2 += squares[c] == 0 ? (residuals[c] == 0 ? 1.0 : 0.0) : 1.0 - residuals[c] / squares[c];
        }
        r2 /= classes;
        double f1Macro = 0, f1Weighted = 0;
        for (int c = 0; c < classes; c++)
        {
            long tp = confusion[c * classes + c], support = 0, predictedCount = 0;
            for (int k = 0; k < classes; k++)
            {
                support += confusion[c * classes + k];
                predictedCount += confusion[k * classes + c];
            }
            long denominator = support + predictedCount; // = 2tp + fp + fn
            double f1 = denominator == 0 ? 0.0 : 2.0 * tp / denominator;
            f1Macro += f1;
            f1Weighted += f1 * support;
        }
        double ece = 0;
        for (int b = 0; b < Bins; b++) ece += Math.Abs(binGap[b]) / n;
        return new MetricValues(n, bc / n, js / n, kl / n, r2, r2Sample / n, (double)correct / n, f1Macro / classes,
            f1Weighted / n, ece, ties, hardCount == n ? (double)hardCorrect / n : double.NaN);
    }
}
