using System.Numerics;
using System.Globalization;
using System.Text;

namespace Amber.Training.Tests.Support;

/// <summary>Reader of the versioned binary golden files written by bench/reference/golden_io.py.</summary>
internal sealed class GoldenFile
{
    private readonly Dictionary<string, (int[] Shape, float[] Values)> _tensors = new(StringComparer.Ordinal);

    public static GoldenFile Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        var magic = Encoding.ASCII.GetString(r.ReadBytes(8));
        Assert.Equal("AMBGOLD1", magic);
        Assert.Equal(1u, r.ReadUInt32());
        var count = r.ReadUInt32();
        var file = new GoldenFile();
        for (var i = 0; i < count; i++)
        {
            var tensorName = Encoding.UTF8.GetString(r.ReadBytes(r.ReadUInt16()));
            var rank = r.ReadByte();
            var shape = new int[rank];
            for (var d = 0; d < rank; d++)
            {
                shape[d] = r.ReadInt32();
            }
            var values = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = r.ReadSingle();
            }
            file._tensors[tensorName] = (shape, values);
        }
        return file;
    }

    public float[] this[string name] => _tensors.TryGetValue(name, out var t)
        ? t.Values
        : throw new KeyNotFoundException($"Golden tensor '{name}' is missing; regenerate with bench/reference/make_golden.py.");

    public bool Contains(string name) => _tensors.ContainsKey(name);
}

/// <summary>Tensor comparison that names the first elements that differ.</summary>
internal static class TensorAssert
{
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, double absolute, string what) =>
        Close(expected, actual, relative, absolute, what, "G9");

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double relative, double absolute, string what) =>
        Close(expected, actual, relative, absolute, what, "G12");

    /// <summary>|expected − actual| ≤ absolute + relative·|expected| element-wise (the difference taken in T, as before).</summary>
    private static void Close<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, double relative, double absolute, string what, string format)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}.");
        var failures = new StringBuilder();
        var bad = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = absolute + relative * double.CreateChecked(T.Abs(expected[i]));
            if (!(double.CreateChecked(T.Abs(expected[i] - actual[i])) <= tolerance))
            {
                if (bad++ < 5)
                {
                    failures.Append($" [{i}] expected {expected[i].ToString(format, CultureInfo.InvariantCulture)} got {actual[i].ToString(format, CultureInfo.InvariantCulture)};");
                }
            }
        }
        Assert.True(bad == 0, $"{what}: {bad} of {expected.Length} values differ:{failures}");
    }
}
