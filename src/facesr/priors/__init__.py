"""Facial priors of the survey's §3: landmark heatmaps, parsing maps, attributes, identity."""

from .attributes import (
    CELEBA_ATTRIBUTES,
    UTKFACE_ATTRIBUTES,
    attribute_matrix,
    attribute_vector,
    utkface_attributes,
)
from .heatmaps import group_heatmaps, heatmaps_to_landmarks, landmark_heatmaps
from .identity import IdentityIndex, descriptor_distance, identity_embedding
from .parsing import CELEBAMASK_CLASSES, LANDMARK_CLASSES, flip_parsing, parsing_from_landmarks

__all__ = [
    "CELEBAMASK_CLASSES",
    "CELEBA_ATTRIBUTES",
    "LANDMARK_CLASSES",
    "UTKFACE_ATTRIBUTES",
    "IdentityIndex",
    "attribute_matrix",
    "attribute_vector",
    "descriptor_distance",
    "flip_parsing",
    "group_heatmaps",
    "heatmaps_to_landmarks",
    "identity_embedding",
    "landmark_heatmaps",
    "parsing_from_landmarks",
    "utkface_attributes",
]
