namespace Amber.Data.Npy;

/// <summary>An array read from an NPY file, converted to float32, C (row-major) order.</summary>
/// <param name="Shape">Dimensions; empty for a scalar.</param>
/// <param name="Data">Values, row-major.</param>
/// <param name="Descr">The file's dtype descriptor (<c>&lt;f4</c>, <c>&lt;f8</c>, <c>&lt;f2</c>).</param>
public sealed record NpyArray(int[] Shape, float[] Data, string Descr)
{
    /// <summary>Shape as numpy prints it, e.g. <c>(3, 768)</c>.</summary>
    public string ShapeText => Shape.Length == 1 ? $"({Shape[0]},)" : "(" + string.Join(", ", Shape) + ")";
}
