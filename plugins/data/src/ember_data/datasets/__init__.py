"""The built-in datasets of ``ember.datasets``. Nothing is ever downloaded: every dataset
reads local files (or, for :class:`Digits`, data bundled with scikit-learn), and a missing
file raises an error that says which file is missing and where to put it."""

from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .tabular import CSVDataset

__all__ = ["Digits", "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "CSVDataset",
           "DatasetFolder", "ImageFolder"]
