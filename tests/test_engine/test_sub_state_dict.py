"""sub_state_dict: one part's weights out of a training checkpoint or a bare state dict."""
import pytest

from irtoolbox.utils.checkpoint import sub_state_dict


def test_first_present_prefix_wins_and_is_removed():
    ckpt = {'state_dict': {'backbone.a': 1, 'generator.b': 2, 'other.c': 3}, 'meta': {}}
    assert sub_state_dict(ckpt, ('generator.', 'backbone.'), 'x.pth') == {'b': 2}
    assert sub_state_dict(ckpt, ('missing.', 'backbone.'), 'x.pth') == {'a': 1}


def test_bare_state_dict_is_returned_whole_only_when_the_caller_accepts_it():
    bare = {'conv.weight': 1, 'conv.bias': 2}
    assert sub_state_dict(bare, ('generator.', ''), 'x.pth') == bare


def test_no_matching_prefix_is_one_error_naming_prefixes_and_first_keys():
    """Issue 17: one rule (it used to return the whole state dict silently)."""
    ckpt = {'state_dict': {f'other.{i}': i for i in range(8)}}
    with pytest.raises(KeyError, match=r"x\.pth: no weights under any of the prefixes "
                       r"\['generator\.', 'backbone\.'\]; first keys: \['other\.0', "
                       r"'other\.1', 'other\.2', 'other\.3', 'other\.4'\]"):
        sub_state_dict(ckpt, ('generator.', 'backbone.'), 'x.pth')


def test_a_checkpoint_that_is_not_a_dict_names_its_source():
    with pytest.raises(ValueError, match=r'x\.pth: expected a checkpoint dict, got list'):
        sub_state_dict([1, 2], ('generator.',), 'x.pth')
    with pytest.raises(ValueError, match='got list'):
        sub_state_dict({'state_dict': [1]}, ('generator.',), 'x.pth')
