using Amber.Data.Corpora;
using Amber.Data.Npy;

namespace Amber.Data.Tests.Npy;

public class NpyTests
{
    private static string Ref(string name) => Fixture.Path("reference", name);

    [Fact]
    public void Reads_numpy_f4_version_1()
    {
        var a = NpyReader.Read(Ref("f4_v1.npy"));
        Assert.Equal([3, 4], a.Shape);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i / 8f).ToArray(), a.Data);
        Assert.Equal("<f4", a.Descr);
    }

    [Fact]
    public void Reads_numpy_f8_version_2()
    {
        var a = NpyReader.Read(Ref("f8_v2.npy"));
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (float)((i - 2.5) / 3)).ToArray(), a.Data);
    }

    [Fact]
    public void Reads_numpy_f2_version_3()
    {
        var a = NpyReader.Read(Ref("f2_v3.npy"));
        Assert.Equal([5], a.Shape);
        Assert.Equal([0.5f, -1.25f, 2f, 65504f, 0f], a.Data);
    }

    [Theory]
    [InlineData("fortran.npy", "fortran_order")]
    [InlineData("int64.npy", "descr")]
    [InlineData("big_endian.npy", "descr")]
    public void Rejects_unsupported_layouts_naming_the_field(string file, string field)
    {
        var e = Assert.Throws<DataFormatException>(() => NpyReader.Read(Ref(file)));
        Assert.Equal(field, e.Field);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void Rejects_truncated_data_with_the_expected_size()
    {
        var bytes = File.ReadAllBytes(Ref("f4_v1.npy"));
        using var ms = new MemoryStream(bytes, 0, bytes.Length - 5);
        var e = Assert.Throws<DataFormatException>(() => NpyReader.Read(ms, "cut.npy"));
        Assert.Contains("48 bytes", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Rejects_a_file_that_is_not_npy()
    {
        using var ms = new MemoryStream("hello world, not numpy"u8.ToArray());
        Assert.Equal("magic", Assert.Throws<DataFormatException>(() => NpyReader.Read(ms, "x.npy")).Field);
    }

    [Fact]
    public void Writer_output_matches_numpy_bytes_and_round_trips()
    {
        var data = Enumerable.Range(0, 12).Select(i => i / 8f).ToArray();
        // numpy's own file for the same array is the reference for header layout and padding.
        Assert.Equal(File.ReadAllBytes(Ref("f4_v1.npy")), NpyWriter.ToBytes(data, [3, 4]));
        var back = NpyReader.Read(new MemoryStream(NpyWriter.ToBytes([1.5f, -2f], [2])), "m");
        Assert.Equal([2], back.Shape);
        Assert.Equal([1.5f, -2f], back.Data);
    }

    [Fact]
    public void Importer_reads_folder_and_matrix_layouts_in_corpus_order()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Path("emb"));
        NpyWriter.Write(dir.Path("emb", "u1.npy"), [1f, 2f, 3f], [3]);
        NpyWriter.Write(dir.Path("emb", "u2.npy"), [4f, 5f, 6f], [1, 3]);
        var (m, d) = EmbeddingImporter.FromFolder(dir.Path("emb"), ["u2", "u1"]);
        Assert.Equal(3, d);
        Assert.Equal([4f, 5f, 6f, 1f, 2f, 3f], m);

        NpyWriter.Write(dir.Path("all.npy"), [1f, 2f, 3f, 4f, 5f, 6f], [3, 2]);
        File.WriteAllLines(dir.Path("ids.txt"), ["a", "b", "c"]);
        var (m2, d2) = EmbeddingImporter.FromMatrix(dir.Path("all.npy"), dir.Path("ids.txt"), ["c", "a"]);
        Assert.Equal(2, d2);
        Assert.Equal([5f, 6f, 1f, 2f], m2);
    }

    [Fact]
    public void Importer_rejects_wrong_shapes_and_missing_ids()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Path("emb"));
        NpyWriter.Write(dir.Path("emb", "u1.npy"), [1f, 2f, 3f, 4f], [2, 2]);
        var e = Assert.Throws<DataFormatException>(() => EmbeddingImporter.FromFolder(dir.Path("emb"), ["u1"]));
        Assert.Equal("shape", e.Field);
        Assert.Contains("(2, 2)", e.Message);
        var missing = Assert.Throws<DataFormatException>(() => EmbeddingImporter.FromFolder(dir.Path("emb"), ["u9"]));
        Assert.Contains("u9", missing.Message);
        NpyWriter.Write(dir.Path("all.npy"), [1f, 2f], [2, 1]);
        File.WriteAllLines(dir.Path("ids.txt"), ["a"]);
        Assert.Equal("id count", Assert.Throws<DataFormatException>(() => EmbeddingImporter.FromMatrix(dir.Path("all.npy"), dir.Path("ids.txt"), ["a"])).Field);
    }
}
