"""spaCy tokenisation as a scikit-learn transformer.

The transformer normalises each text (:mod:`pipeline.text.normalise`), splits it with a blank spaCy tokeniser whose
rules keep model codes (``FZ-55``, ``ML-235``, ``2306``, ``5.8G``, ``M300RTK``) as single tokens, drops
punctuation-only tokens and optionally lemmatises Russian words with pymorphy3. The spaCy and pymorphy3 objects
are built on first use and never pickled: a loaded model rebuilds them from its parameters, so training and
prediction always tokenise the same way.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable

from sklearn.base import BaseEstimator, TransformerMixin

from pipeline.params import boolean, check_params, count, one_of
from pipeline.text.aircraft import mark_aircraft
from pipeline.text.aviation import mark_terms
from pipeline.text.normalise import Normaliser
from pipeline.text.systems import mark_systems

# A whitespace-free run that holds a digit and only word characters and . - / + , is a model code or a figure
# with its unit: keep it whole.
_CODE_RE = re.compile(r"^(?=[^\d]*\d)[\w][\w.\-/+,]*[\w]$|^\d$")
_HAS_WORD_CHAR = re.compile(r"\w")
# Punctuation that spaCy always splits off the start / end of a run as a prefix / suffix.
_CODE_PREFIXES = '("'
_CODE_SUFFIXES = ',;)"'
_CYRILLIC_WORD = re.compile(r"^[а-яе-]+$")

Tokens = tuple[str, ...]
LANGUAGES = ("xx", "ru", "en")  # blank spaCy tokenisers (nothing to download)
SPACY_MAX_STRINGS = 200_000  # strings in spaCy's store before the tokeniser is rebuilt (keeps memory flat)
SPACY_BATCH_RUNS = 5000  # new runs per spaCy call
RUN_CACHE_SIZE = 100_000
LEMMA_CACHE_SIZE = 500_000
# The tokeniser's parameters that configure its Normaliser: all of Normaliser's (defaults must agree; a test checks).
NORMALISER_PARAMS = tuple(inspect.signature(Normaliser).parameters)


class SpacyTokeniser(BaseEstimator, TransformerMixin):
    """Turn raw texts into tuples of normalised tokens with a blank spaCy tokeniser.

    Args:
        lang: spaCy language code of the blank tokeniser (``"xx"``, ``"ru"`` or ``"en"``).
        lemmatise: replace Russian words by their pymorphy3 normal form.
        mark_aircraft: put a mark token (``✈``) on both sides of each aircraft type, aero-engine type or aircraft
            maker name (``миг-29``, ``a320neo``, ``tv3-117``, ``boeing``: :mod:`pipeline.text.aircraft`), so a type
            name the corpus never used still reads as one beside the words around it.
        mark_systems: put a class mark token on both sides of each named military drone type or jamming /
            counter-drone system («Герань-2», "Shahed-136", «Красуха-4», «Р-330Ж»: :mod:`pipeline.text.systems`), so a
            system the corpus never named reads as one of its class.
        mark_terms: put a mark token (``⚙``) on both sides of each aviation-only goods term ("nacelle", «элерон»,
            "machmeter": :mod:`pipeline.text.aviation`), so a rare term reads as one of them all.
        nfkc: see :class:`~pipeline.text.normalise.Normaliser`.
        strip_invisible: see :class:`~pipeline.text.normalise.Normaliser`.
        yo_to_e: see :class:`~pipeline.text.normalise.Normaliser`.
        join_spaced_letters: see :class:`~pipeline.text.normalise.Normaliser`.
        fix_lookalikes: see :class:`~pipeline.text.normalise.Normaliser`.
        lowercase: see :class:`~pipeline.text.normalise.Normaliser`.
        strip_marks: see :class:`~pipeline.text.normalise.Normaliser`.
        drop_negated: see :class:`~pipeline.text.normalise.Normaliser`.
        drop_field_labels: see :class:`~pipeline.text.normalise.Normaliser`.
        join_aircraft_types: see :class:`~pipeline.text.normalise.Normaliser`.
        join_system_names: see :class:`~pipeline.text.normalise.Normaliser`.
        max_chars: texts are cut to this many characters before tokenising (0: no limit).
        cache_size: how many distinct space-separated runs to remember with their tokens (0: no cache).

    The spaCy, pymorphy3 and :class:`~pipeline.normalise.Normaliser` objects and the caches are built on first use
    and rebuilt when a parameter changed since (``set_params(lang="en")``, ``set_params(lowercase=False)``).
    """

    _parameter_constraints = {
        "lang": one_of(*LANGUAGES),
        "lemmatise": boolean,
        "mark_aircraft": boolean,
        "mark_systems": boolean,
        "mark_terms": boolean,
        **{name: boolean for name in NORMALISER_PARAMS},
        "max_chars": count,
        "cache_size": count,
    }

    def __init__(
        self,
        lang: str = "xx",
        lemmatise: bool = False,
        mark_aircraft: bool = False,
        mark_systems: bool = False,
        mark_terms: bool = False,
        nfkc: bool = True,
        strip_invisible: bool = True,
        yo_to_e: bool = True,
        join_spaced_letters: bool = True,
        fix_lookalikes: bool = True,
        lowercase: bool = True,
        strip_marks: bool = True,
        drop_negated: bool = False,
        drop_field_labels: bool = False,
        join_aircraft_types: bool = False,
        join_system_names: bool = False,
        max_chars: int = 2000,
        cache_size: int = RUN_CACHE_SIZE,
    ):
        self.lang = lang
        self.lemmatise = lemmatise
        self.mark_aircraft = mark_aircraft
        self.mark_systems = mark_systems
        self.mark_terms = mark_terms
        self.nfkc = nfkc
        self.strip_invisible = strip_invisible
        self.yo_to_e = yo_to_e
        self.join_spaced_letters = join_spaced_letters
        self.fix_lookalikes = fix_lookalikes
        self.lowercase = lowercase
        self.strip_marks = strip_marks
        self.drop_negated = drop_negated
        self.drop_field_labels = drop_field_labels
        self.join_aircraft_types = join_aircraft_types
        self.join_system_names = join_system_names
        self.max_chars = max_chars
        self.cache_size = cache_size

    # The runtime objects live outside the estimator parameters and are dropped from pickles.
    _RUNTIME = ("_nlp", "_normaliser", "_morph", "_lemma_cache", "_run_cache", "_special_cases", "_built_for")

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        for key in self._RUNTIME:
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        # A pickle from before a parameter existed: the parameter takes its default.
        for name, param in inspect.signature(type(self)).parameters.items():
            self.__dict__.setdefault(name, param.default)

    def _runtime(self) -> dict:
        """``self.__dict__``, without the runtime objects when a parameter changed since they were built."""
        state = self.__dict__
        key = tuple(state.get(name) for name in _PARAM_NAMES)
        if state.get("_built_for") != key:
            for name in self._RUNTIME:
                state.pop(name, None)
            state["_built_for"] = key
        return state

    @property
    def normaliser(self) -> Normaliser:
        """The :class:`Normaliser` built from this transformer's parameters."""
        norm = self._runtime().get("_normaliser")
        if norm is None:
            norm = self._normaliser = Normaliser(**{name: getattr(self, name) for name in NORMALISER_PARAMS})
        return norm

    @property
    def nlp(self):
        """The blank spaCy pipeline, built on first use."""
        nlp = self._runtime().get("_nlp")
        if nlp is None:
            nlp = self._nlp = build_spacy_tokeniser(self.lang)
        return nlp

    def _lemma(self, token: str) -> str:
        cache = self.__dict__.get("_lemma_cache")
        if cache is None:
            cache = self._lemma_cache = {}
        lemma = cache.get(token)
        if lemma is None:
            lemma = token
            if _CYRILLIC_WORD.match(token):
                morph = self.__dict__.get("_morph")
                if morph is None:
                    import pymorphy3

                    morph = self._morph = pymorphy3.MorphAnalyzer()
                lemma = morph.parse(token)[0].normal_form.replace("ё", "е")
            if len(cache) > LEMMA_CACHE_SIZE:
                cache.clear()
            cache[token] = lemma
        return lemma

    def fit(self, X: Iterable[str], y=None) -> SpacyTokeniser:
        """Do nothing but check the parameters and that ``X`` is a list of texts; return ``self``."""
        _check_texts(X, "fit")
        check_params(self.get_params(), self._parameter_constraints, "tokenise")
        return self

    def truncate(self, text: str) -> str:
        """The part of a text that is tokenised: its first ``max_chars`` characters (all of it when 0)."""
        max_chars = self.max_chars
        return text[:max_chars] if max_chars and len(text) > max_chars else text

    def tokenise(self, text: str) -> Tokens:
        """Normalise and tokenise one text."""
        return self.transform([text])[0]

    def transform(self, X: Iterable[str]) -> list[Tokens]:
        """Return one tuple of tokens per input text (``None`` counts as empty)."""
        norm = self.normaliser
        truncate = self.truncate
        texts = ["" if t is None else str(t) for t in _check_texts(X, "transform")]
        return self.transform_normalised([norm(truncate(t)) for t in texts])

    def transform_normalised(self, normalised: Iterable[str]) -> list[Tokens]:
        """Tokenise texts already passed through :attr:`normaliser` (and cut to ``max_chars``).

        ``transform(X)`` equals ``transform_normalised(normaliser(x[:max_chars]) for x in X)``; callers that need
        the normalised text anyway (the marker rules) use this to normalise once.
        """
        # spaCy tokenises each space-separated run on its own, and normalised text has single spaces only:
        # the tokens of a text are the tokens of its runs.
        split = [text.split(" ") for text in normalised]
        distinct = list({run for runs in split for run in runs})
        known = dict(zip(distinct, self.runs_tokens(distinct)))
        out: list[Tokens] = []
        for runs in split:
            toks: list[str] = []
            for run in runs:
                toks.extend(known[run])
            out.append(tuple(toks))
        return out

    def run_tokens(self, run: str) -> Tokens:
        """Tokens of one space-free run of normalised text (see :meth:`runs_tokens`)."""
        return self.runs_tokens([run])[0]

    def runs_tokens(self, runs: Iterable[str]) -> list[Tokens]:
        """Tokens of each space-free run of normalised text.

        Each distinct run goes through spaCy once (remembered up to ``cache_size`` runs), and all new runs of a
        call go through in one spaCy call: spaCy splits on spaces before anything else, so tokenising the runs
        joined by spaces gives each run's own tokens. A run that is a code or figure (``FZ-55``, ``2207``,
        ``1581F4QBD``), possibly in brackets, quotes or followed by a comma, is one token without spaCy.
        """
        cache = self._runtime().get("_run_cache")
        if cache is None:
            cache = self._run_cache = {}
        runs = list(runs)
        out: list[Tokens | None] = [None] * len(runs)
        todo: dict[str, list[int]] = {}
        mark = self._marker()
        for i, run in enumerate(runs):
            hit = cache.get(run)
            if hit is not None:
                out[i] = hit
                continue
            if not run:
                out[i] = ()
                continue
            core = run.lstrip(_CODE_PREFIXES).rstrip(_CODE_SUFFIXES)
            if core and _CODE_RE.match(core) and not self._has_special(run, core):
                # A code or figure is one token (spaCy's token_match), and the brackets, quotes and commas around
                # it are split off as punctuation, which is dropped; such runs are mostly unique (serials,
                # prices), so they bypass spaCy and the cache, keeping memory flat.
                out[i] = mark((core,))
                continue
            todo.setdefault(run, []).append(i)
        if todo:
            new = list(todo)
            for start in range(0, len(new), SPACY_BATCH_RUNS):
                batch = new[start : start + SPACY_BATCH_RUNS]
                for run, toks in zip(batch, self._tokenise_runs(batch)):
                    for i in todo[run]:
                        out[i] = toks
                    if self.cache_size:
                        if len(cache) >= self.cache_size:
                            cache.clear()
                        cache[run] = toks
        return out  # type: ignore[return-value]

    def _marker(self):
        """The function that puts the mark tokens of the ``mark_*`` options into a run's tokens."""
        steps = [f for on, f in ((self.mark_aircraft, mark_aircraft), (self.mark_systems, mark_systems),
                                 (self.mark_terms, mark_terms)) if on]  # fmt: skip
        if not steps:
            return tuple
        if len(steps) == 1:
            return steps[0]

        def mark(toks):
            for step in steps:
                toks = step(toks)
            return toks

        return mark

    def _has_special(self, run: str, core: str) -> bool:
        """Whether spaCy could meet a special case (e.g. the emoticon ``8)``) while stripping ``run`` to ``core``."""
        rules = self.__dict__.get("_special_cases")
        if rules is None:
            # spaCy's Tokenizer.rules builds a new dict on every access: keep the keys once.
            rules = self._special_cases = frozenset(self.nlp.tokenizer.rules or ())
        if run == core:
            return run in rules
        start = run.index(core)
        end = start + len(core)
        return any(run[i:j] in rules for i in range(start + 1) for j in range(end, len(run) + 1))

    def _tokenise_runs(self, runs: list[str]) -> list[Tokens]:
        """Tokenise space-free runs with one spaCy call, dropping punctuation-only tokens."""
        lemmatise = self.lemmatise
        mark = self._marker()
        out: list[Tokens] = []
        toks: list[str] = []
        for tok in self.nlp.tokenizer(" ".join(runs)):
            t = tok.text
            if _HAS_WORD_CHAR.search(t):
                toks.append(self._lemma(t) if lemmatise else t)
            if tok.whitespace_:
                out.append(mark(toks))
                toks = []
        out.append(mark(toks))
        if len(self.nlp.vocab.strings) > SPACY_MAX_STRINGS:
            # spaCy keeps every string it has seen; a fresh tokeniser keeps memory flat on endless dumps.
            del self._nlp
        if len(out) != len(runs):  # pragma: no cover - spaCy splitting a run at a space it does not have
            raise RuntimeError("spaCy tokenisation did not keep the space-separated runs apart")
        return out


_PARAM_NAMES = tuple(inspect.signature(SpacyTokeniser).parameters)


def _check_texts(X, method: str) -> Iterable:
    """Refuse a bare string, which would otherwise be read as one text per character."""
    if isinstance(X, (str, bytes)):
        raise TypeError(f"SpacyTokeniser.{method} takes a list of texts, not a single string: pass [text]")
    return X


def build_spacy_tokeniser(lang: str):
    """Build a blank spaCy pipeline whose tokeniser keeps model codes whole.

    Args:
        lang: ``"xx"``, ``"ru"`` or ``"en"``.

    Returns:
        A ``spacy.Language`` with no trained components (nothing is downloaded).
    """
    import spacy

    nlp = spacy.blank(lang)
    nlp.tokenizer.token_match = _CODE_RE.match
    return nlp
