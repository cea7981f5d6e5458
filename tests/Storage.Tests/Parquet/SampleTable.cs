using Amber.Storage.Parquet.Schema;
using Amber.Storage.Parquet.Writing;

namespace Amber.Storage.Tests.Parquet;

/// <summary>A deterministic table with every column kind the writer supports, and the values it holds.</summary>
internal sealed class SampleTable
{
    public static readonly ParquetSchema Schema = new(
    [
        new ParquetColumn("flag", ParquetType.Boolean),
        new ParquetColumn("flag_opt", ParquetType.Boolean, Optional: true),
        new ParquetColumn("i32", ParquetType.Int32),
        new ParquetColumn("i32_opt", ParquetType.Int32, Optional: true),
        new ParquetColumn("i64", ParquetType.Int64),
        new ParquetColumn("f32", ParquetType.Float),
        new ParquetColumn("f64_opt", ParquetType.Double, Optional: true),
        new ParquetColumn("text", ParquetType.String),
        new ParquetColumn("label", ParquetType.String, Dictionary: true),
        new ParquetColumn("label_opt", ParquetType.String, Optional: true, Dictionary: true),
        new ParquetColumn("ts", ParquetType.TimestampMicrosUtc),
        new ParquetColumn("ts_opt", ParquetType.TimestampMicrosUtc, Optional: true),
    ]);

    private static readonly string[] Labels = ["neutral", "happy", "angry", "sad", "émotion ✓"];

    public SampleTable(int rows, int seed)
    {
        var rng = new Random(seed);
        Rows = rows;
        Columns = new object?[Schema.Columns.Count][];
        for (int c = 0; c < Columns.Length; c++) Columns[c] = new object?[rows];
        var epoch = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        for (int r = 0; r < rows; r++)
        {
            bool nul = rng.Next(5) == 0;
            Columns[0][r] = rng.Next(2) == 0;
            Columns[1][r] = nul ? null : rng.Next(3) == 0;
            Columns[2][r] = rng.Next(int.MinValue, int.MaxValue);
            Columns[3][r] = rng.Next(4) == 0 ? null : rng.Next(-1000, 1000);
            Columns[4][r] = rng.NextInt64(long.MinValue, long.MaxValue);
            Columns[5][r] = r switch { 3 => float.NaN, 4 => float.PositiveInfinity, 5 => -0.0f, _ => (float)(rng.NextDouble() * 2 - 1) };
            Columns[6][r] = rng.Next(3) == 0 ? null : rng.NextDouble() * 1e6;
            Columns[7][r] = r % 17 == 0 ? "" : $"utt-{r:D6}-{new string('x', rng.Next(0, 30))}";
            Columns[8][r] = Labels[(r / 9) % Labels.Length];
            Columns[9][r] = nul ? null : Labels[rng.Next(4)];
            Columns[10][r] = epoch.AddTicks(rng.NextInt64(-10_000_000_000_000, 10_000_000_000_000) / 10 * 10);
            Columns[11][r] = rng.Next(6) == 0 ? null : epoch.AddTicks(rng.NextInt64(0, 1_000_000_000) * 10);
        }
    }

    public int Rows { get; }

    /// <summary>[column][row]: bool, int, long, float, double, string, DateTimeOffset or null.</summary>
    public object?[][] Columns { get; }

    public void WriteTo(ParquetFileWriter w)
    {
        for (int r = 0; r < Rows; r++)
        {
            w.Column<PrimitiveColumnBuffer<bool>>(0).Add((bool)Columns[0][r]!);
            w.Column<PrimitiveColumnBuffer<bool>>(1).Add((bool?)Columns[1][r]);
            w.Column<PrimitiveColumnBuffer<int>>(2).Add((int)Columns[2][r]!);
            w.Column<PrimitiveColumnBuffer<int>>(3).Add((int?)Columns[3][r]);
            w.Column<PrimitiveColumnBuffer<long>>(4).Add((long)Columns[4][r]!);
            w.Column<PrimitiveColumnBuffer<float>>(5).Add((float)Columns[5][r]!);
            w.Column<PrimitiveColumnBuffer<double>>(6).Add((double?)Columns[6][r]);
            w.Column<StringColumnBuffer>(7).Add((string)Columns[7][r]!);
            w.Column<StringColumnBuffer>(8).Add((string)Columns[8][r]!);
            w.Column<StringColumnBuffer>(9).Add((string?)Columns[9][r]);
            w.Column<TimestampColumnBuffer>(10).Add((DateTimeOffset)Columns[10][r]!);
            w.Column<TimestampColumnBuffer>(11).Add((DateTimeOffset?)Columns[11][r]);
            w.EndRow();
        }
    }

    public static long Micros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
}
