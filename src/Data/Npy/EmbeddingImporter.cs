using Amber.Data.Corpora;

namespace Amber.Data.Npy;

/// <summary>
/// Imports precomputed encoder embeddings in either common layout: a folder holding one <c>&lt;id&gt;.npy</c> per utterance
/// (shape <c>(D,)</c> or <c>(1, D)</c>), or one <c>[N, D]</c> matrix <c>.npy</c> with an id list (one id per line, in row order).
/// </summary>
public static class EmbeddingImporter
{
    /// <summary>Reads the embeddings of <paramref name="ids"/> (in that order) from a per-utterance folder; returns <c>[N, D]</c> row-major and D.</summary>
    public static (float[] Matrix, int Dim) FromFolder(string folder, IReadOnlyList<string> ids)
    {
        if (!Directory.Exists(folder)) throw new DataFormatException(folder, 0, null, "embedding folder", folder, "a folder of <utterance id>.npy files");
        float[]? matrix = null;
        int dim = 0;
        for (int i = 0; i < ids.Count; i++)
        {
            var path = Path.Combine(folder, ids[i] + ".npy");
            if (!File.Exists(path))
            {
                int missing = ids.Count(id => !File.Exists(Path.Combine(folder, id + ".npy")));
                throw new DataFormatException(path, 0, null, "embedding", ids[i], $"one .npy per utterance; {missing} of {ids.Count} are missing, the first being this one");
            }
            var a = NpyReader.Read(path);
            int d = a.Shape switch
            {
                [var n] => n,
                [1, var n] => n,
                _ => throw new DataFormatException(path, 0, null, "shape", a.ShapeText, "(D,) or (1, D): one pooled vector per utterance"),
            };
            if (matrix is null)
            {
                dim = d;
                matrix = new float[ids.Count * dim];
            }
            else if (d != dim)
            {
                throw new DataFormatException(path, 0, null, "shape", a.ShapeText, $"({dim},) like the first embedding ({ids[0]}.npy)");
            }
            a.Data.CopyTo(matrix, i * dim);
        }
        return (matrix ?? [], dim);
    }

    /// <summary>Reads a <c>[N, D]</c> matrix and its id list, and returns the rows of <paramref name="ids"/> in that order.</summary>
    public static (float[] Matrix, int Dim) FromMatrix(string matrixPath, string idListPath, IReadOnlyList<string> ids)
    {
        var a = NpyReader.Read(matrixPath);
        if (a.Shape.Length != 2) throw new DataFormatException(matrixPath, 0, null, "shape", a.ShapeText, "(N, D): one row per utterance");
        int rows = a.Shape[0], dim = a.Shape[1];
        var listed = File.ReadAllLines(idListPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (listed.Count != rows)
        {
            throw new DataFormatException(idListPath, 0, null, "id count", listed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{rows} ids, one per row of {Path.GetFileName(matrixPath)} {a.ShapeText}");
        }
        var row = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < listed.Count; i++)
        {
            if (!row.TryAdd(listed[i], i)) throw new DataFormatException(idListPath, i + 1, listed[i], "id", listed[i], "each id once");
        }
        var matrix = new float[ids.Count * dim];
        for (int i = 0; i < ids.Count; i++)
        {
            if (!row.TryGetValue(ids[i], out int r))
            {
                throw new DataFormatException(idListPath, 0, null, "id", ids[i], "every corpus utterance to be listed");
            }
            Array.Copy(a.Data, (long)r * dim, matrix, (long)i * dim, dim);
        }
        return (matrix, dim);
    }
}
