namespace Amber.Data.Features;

/// <summary>Per-column mean and standard deviation fitted on training rows only, applied to any rows (z-scores).</summary>
public sealed class Standardizer
{
    private Standardizer(float[] mean, float[] std)
    {
        Mean = mean;
        Std = std;
    }

    /// <summary>Column means <c>[D]</c>.</summary>
    public float[] Mean { get; }

    /// <summary>Column population standard deviations <c>[D]</c>; constant columns get 1 so they map to 0.</summary>
    public float[] Std { get; }

    /// <summary>Fits on <paramref name="rows"/> of a <c>[N, D]</c> row-major matrix.</summary>
    public static Standardizer Fit(ReadOnlySpan<float> matrix, int dim, IReadOnlyList<int> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("cannot fit a standardizer on zero rows", nameof(rows));
        var mean = new double[dim];
        var sq = new double[dim];
        foreach (var r in rows)
        {
            var row = matrix.Slice(r * dim, dim);
            for (int j = 0; j < dim; j++) mean[j] += row[j];
        }
        for (int j = 0; j < dim; j++) mean[j] /= rows.Count;
        foreach (var r in rows)
        {
            var row = matrix.Slice(r * dim, dim);
            for (int j = 0; j < dim; j++) sq[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
        }
        var std = new float[dim];
        for (int j = 0; j < dim; j++)
        {
            double s = Math.Sqrt(sq[j] / rows.Count);
            std[j] = s > 1e-8 ? (float)s : 1f;
        }
        return new Standardizer(mean.Select(m => (float)m).ToArray(), std);
    }

    /// <summary>Returns a standardized copy of a <c>[N, D]</c> matrix.</summary>
    public float[] Transform(ReadOnlySpan<float> matrix)
    {
        var result = matrix.ToArray();
        TransformInPlace(result);
        return result;
    }

    /// <summary>Standardizes every row of a <c>[N, D]</c> matrix in place.</summary>
    public void TransformInPlace(Span<float> matrix)
    {
        int dim = Mean.Length;
        if (matrix.Length % dim != 0) throw new ArgumentException($"matrix length {matrix.Length} is not a multiple of D = {dim}", nameof(matrix));
        for (int i = 0; i < matrix.Length; i += dim)
        {
            for (int j = 0; j < dim; j++) matrix[i + j] = (matrix[i + j] - Mean[j]) / Std[j];
        }
    }
}
