using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Amber.Data.Corpora;

namespace Amber.Data.Npy;

/// <summary>
/// Reads NPY files, format versions 1.0, 2.0 and 3.0: magic <c>\x93NUMPY</c>, version, header length (2 bytes in 1.0,
/// 4 bytes after), a Python dict literal with <c>descr</c>, <c>fortran_order</c> and <c>shape</c>, then the raw data.
/// Accepts little-endian float32, float64 and float16 (and '|'/'=' byte-order marks on this little-endian host);
/// rejects Fortran order, other dtypes and truncated data with a message naming the file and the rule.
/// </summary>
public static partial class NpyReader
{
    /// <summary>Reads a file.</summary>
    public static NpyArray Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads from a stream; <paramref name="name"/> appears in error messages.</summary>
    public static NpyArray Read(Stream stream, string name)
    {
        var prefix = new byte[10];
        if (ReadFully(stream, prefix) < 10 || prefix[0] != 0x93 || !prefix.AsSpan(1, 5).SequenceEqual("NUMPY"u8))
        {
            throw new DataFormatException(name, 0, null, "magic", Convert.ToHexString(prefix.AsSpan(0, Math.Min(6, prefix.Length))), "the NPY magic \\x93NUMPY");
        }
        int major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8));
        }
        else if (major is 2 or 3)
        {
            var more = new byte[2];
            if (ReadFully(stream, more) < 2) throw Truncated(name, "header length");
            headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian([prefix[8], prefix[9], more[0], more[1]]);
        }
        else
        {
            throw new DataFormatException(name, 0, null, "version", $"{major}.{prefix[7]}", "NPY format version 1.0, 2.0 or 3.0");
        }
        var headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerLength) throw Truncated(name, "header");
        var header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);

        var descr = Field(DescrPattern(), header, name, "descr", "'descr': '<f4' (or '<f8', '<f2')");
        var fortran = Field(FortranPattern(), header, name, "fortran_order", "'fortran_order': False or True");
        var shapeText = Field(ShapePattern(), header, name, "shape", "'shape': (n, m) with integer dimensions");
        if (fortran == "True")
        {
            throw new DataFormatException(name, 0, header.Trim(), "fortran_order", "True",
                "C order (fortran_order False)", "save with np.save(path, np.ascontiguousarray(a))");
        }
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d
                : throw new DataFormatException(name, 0, header.Trim(), "shape", shapeText, "non-negative integer dimensions"))
            .ToArray();
        int itemSize = descr switch
        {
            "<f4" or "=f4" => 4,
            "<f8" or "=f8" => 8,
            "<f2" or "=f2" => 2,
            _ => throw new DataFormatException(name, 0, header.Trim(), "descr", descr, "little-endian float: '<f4', '<f8' or '<f2'"),
        };
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count > Array.MaxLength) throw new DataFormatException(name, 0, null, "shape", shapeText, $"at most {Array.MaxLength} elements");
        var raw = new byte[count * itemSize];
        int got = ReadFully(stream, raw);
        if (got < raw.Length)
        {
            throw new DataFormatException(name, 0, null, "data", $"{got} bytes",
                $"{raw.Length} bytes for shape ({shapeText}) of {descr} (the file is truncated)");
        }
        var data = new float[count];
        for (long i = 0; i < count; i++)
        {
            var s = raw.AsSpan((int)(i * itemSize), itemSize);
            data[i] = itemSize switch
            {
                4 => BinaryPrimitives.ReadSingleLittleEndian(s),
                8 => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
                _ => (float)BinaryPrimitives.ReadHalfLittleEndian(s),
            };
        }
        return new NpyArray(shape, data, "<" + descr[1..]);
    }

    private static string Field(Regex pattern, string header, string name, string field, string expected)
    {
        var m = pattern.Match(header);
        return m.Success ? m.Groups[1].Value : throw new DataFormatException(name, 0, header.Trim(), field, null, expected);
    }

    private static DataFormatException Truncated(string name, string part) =>
        new(name, 0, null, part, "end of file", $"a complete NPY {part} (the file is truncated)");

    private static int ReadFully(Stream s, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer, total, buffer.Length - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]", RegexOptions.CultureInvariant)]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)", RegexOptions.CultureInvariant)]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)", RegexOptions.CultureInvariant)]
    private static partial Regex ShapePattern();
}
