# Differential-test oracle: reads JSON strings one per line on stdin and
# prints the NLTK reference normalization of each as a JSON string.
# Usage: python3 nltk_oracle.py REFERENCE_DIR
import json, sys
sys.path.insert(0, sys.argv[1])
from nltk_reference import Normalizer
n = Normalizer()
out = sys.stdout
for line in sys.stdin:
    out.write(json.dumps(n(json.loads(line)), ensure_ascii=False) + "\n")
out.flush()
