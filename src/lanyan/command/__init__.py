"""Command beyond the first dispatch (智能指挥): combat units, pre-plans, scene, reports."""
