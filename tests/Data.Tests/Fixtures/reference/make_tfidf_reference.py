# sklearn reference for the hashed TF-IDF with word unigrams and no collisions: per document, the sorted non-zero
# TF-IDF values. Vocabulary and idf are fitted on the training documents only (rows 0-3); rows 4-5 are "test".
# Run: /usr/bin/python3 make_tfidf_reference.py > tfidf_reference.txt
from sklearn.feature_extraction.text import TfidfVectorizer
docs = [
    "I love this, I love it so much!",
    "This is ridiculous. I hate waiting.",
    "Okay, the form is fine.",
    "I miss her so much; it hurts.",
    "I love the form but hate waiting",
    "Completely unseen words here",
]
v = TfidfVectorizer(token_pattern=r"[\w']+", lowercase=True, sublinear_tf=True, smooth_idf=True, norm="l2")
v.fit(docs[:4])
m = v.transform(docs).toarray()
for row in m:
    print(" ".join(f"{x:.7f}" for x in sorted(x for x in row if x > 0)))
