using System.Globalization;
using Amber.Data.Text;

namespace Amber.Data.Tests.Text;

public class HashedTfidfTests
{
    private static readonly string[] Docs =
    [
        "I love this, I love it so much!",
        "This is ridiculous. I hate waiting.",
        "Okay, the form is fine.",
        "I miss her so much; it hurts.",
        "I love the form but hate waiting",
        "Completely unseen words here",
    ];

    [Fact]
    public void Unigram_values_match_sklearn_tfidf_fitted_on_training_rows()
    {
        var lines = File.ReadAllLines(Fixture.Path("reference", "tfidf_reference.txt"));
        // A large table makes collisions between these few words practically impossible, so only the bucket positions differ.
        var tfidf = HashedTfidf.Fit(Docs, [0, 1, 2, 3], new TextFeaturizerOptions { Dimension = 1 << 20, WordNgramMax = 1, CharNgramMax = 0 });
        var row = new float[tfidf.Dimension];
        for (int d = 0; d < Docs.Length; d++)
        {
            tfidf.Transform(Docs[d], row);
            var actual = row.Where(x => x > 0).Order().ToArray();
            var expected = (d < lines.Length ? lines[d] : "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Fact]
    public void Idf_sees_only_training_rows()
    {
        var o = new TextFeaturizerOptions { Dimension = 1 << 20, CharNgramMax = 0 };
        var a = HashedTfidf.Fit(Docs, [0, 1], o);
        var row = new float[o.Dimension];
        a.Transform("Completely unseen words here", row);
        Assert.All(row, x => Assert.Equal(0f, x));
        var b = HashedTfidf.Fit(Docs, [0, 1, 5], o);
        b.Transform("Completely unseen words here", row);
        Assert.Equal(1.0, Math.Sqrt(row.Sum(x => (double)x * x)), 5);
    }

    [Fact]
    public void Transform_matrix_rows_are_unit_length_and_dimension_fixed()
    {
        var t = HashedTfidf.Fit(Docs, [0, 1, 2, 3, 4]);
        var m = t.Transform(Docs);
        Assert.Equal(Docs.Length * 1024, m.Length);
        for (int i = 0; i < 5; i++) Assert.Equal(1.0, Math.Sqrt(m.Skip(i * 1024).Take(1024).Sum(x => (double)x * x)), 5);
    }
}
